// The requester's commands and the read-only ones: clusters, request, status, list.
import { formatIsoDuration, parseTypedDuration } from "../domain/duration.js";
import { isoDurationInWords } from "../domain/humanTime.js";
import { isRequestId } from "../domain/ids.js";
import { isRequestStatus } from "../domain/lifecycle.js";
import { clustersAnswer, read, requestAnswer, type ClustersAnswer, type RequestAnswer } from "./answers.js";
import { emit, type Context } from "./context.js";
import { EXIT, usage, type ExitCode } from "./exits.js";
import { inert } from "./format.js";
import { clustersTable, credentialsCommand, openText, requestsTable, requestText } from "./views.js";
import { fetchRequest, followUp, waitForOpen } from "./waiting.js";

export interface WaitOptions {
  readonly wait?: boolean;
  readonly timeout?: string;
}

async function managedClusters(context: Context): Promise<ClustersAnswer> {
  const answer = await context.client.call("GET", "/api/clusters", { retry: "transient" });
  return read(clustersAnswer, answer.body, "GET /api/clusters");
}

/** The managed cluster a person named by its name or its ARM id. */
export async function clusterNamed(context: Context, text: string): Promise<ClustersAnswer[number]> {
  const clusters = await managedClusters(context);
  const wanted = text.trim().replace(/\/+$/, "").toLowerCase();
  const byId = clusters.find((cluster) => cluster.id.toLowerCase() === wanted);
  const byName = clusters.filter((cluster) => cluster.name.toLowerCase() === wanted);
  if (byId) return byId;
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw usage(
      `--cluster: ${byName.length} managed clusters are named ${inert(text)}; give the ARM id of one: ${byName.map((c) => c.id).join(", ")}`,
    );
  const names = clusters.map((cluster) => cluster.name).join(", ") || "none";
  throw usage(`--cluster: ${inert(text)} is not a managed cluster (managed: ${inert(names)})`);
}

/** An ISO-8601 duration from what a person typed (`90m`, `1h`, `PT1H`). */
export function durationOption(text: string, option = "--duration"): string {
  const ms = parseTypedDuration(text);
  if (ms === undefined) throw usage(`${option}: ${inert(text)} is not a duration; say 10s, 90m, 1h or PT1H`);
  return formatIsoDuration(ms);
}

export function requestIdArgument(text: string): string {
  if (!isRequestId(text)) throw usage(`${inert(text)} is not a request id (bg-…)`);
  return text;
}

function timeoutOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTypedDuration(text);
  if (ms === undefined) throw usage(`--timeout: ${inert(text)} is not a duration; say 30m or PT30M`);
  return ms;
}

/** Follows the request until it opens (or cannot), then says what to do next. */
async function follow(
  context: Context,
  first: RequestAnswer,
  timeout: string | undefined,
  extra: object,
): Promise<ExitCode> {
  const { terminal } = context;
  const result = await waitForOpen(context.client, first, terminal, {
    timeoutMs: timeoutOption(timeout),
    pollMs: context.pollMs,
  });
  const open = result.exitCode === EXIT.done;
  const document = {
    ...result.view,
    ...extra,
    ...(open ? { credentialsCommand: credentialsCommand(result.view) } : {}),
  };
  if (open) emit(context, document, openText(result.view, terminal.now()));
  else {
    if (context.json) emit(context, document, "");
    terminal.err(`${result.message}\n`);
  }
  return result.exitCode;
}

export async function listClusters(context: Context): Promise<ExitCode> {
  const clusters = await managedClusters(context);
  emit(context, clusters, clusters.length ? clustersTable(clusters, context.terminal.now()) : "no managed clusters\n");
  return EXIT.done;
}

export interface RequestOptions extends WaitOptions {
  readonly cluster: string;
  readonly reason: string;
  readonly ticket: string;
  readonly duration?: string;
}

export async function createRequest(context: Context, options: RequestOptions): Promise<ExitCode> {
  const duration = options.duration === undefined ? undefined : durationOption(options.duration);
  timeoutOption(options.timeout);
  const cluster = await clusterNamed(context, options.cluster);
  const idempotencyKey = context.newKey();
  const answer = await context.client.call("POST", "/api/requests", {
    json: {
      cluster: cluster.id,
      justification: options.reason,
      ticket: options.ticket,
      ...(duration ? { duration } : {}),
    },
    headers: { "Idempotency-Key": idempotencyKey },
    retry: "transient",
  });
  const created = read(requestAnswer, answer.body, "POST /api/requests");
  if (options.wait) return follow(context, created, options.timeout, { idempotencyKey });
  const text = `asked for ${isoDurationInWords(created.duration)} on ${inert(created.clusterName)}: approvers were notified\n${followUp(created)}`;
  emit(context, { ...created, idempotencyKey }, text);
  return EXIT.done;
}

export async function showRequest(context: Context, id: string, options: WaitOptions): Promise<ExitCode> {
  const found = await fetchRequest(context.client, requestIdArgument(id));
  if (options.wait) return follow(context, found, options.timeout, {});
  emit(context, found, requestText(found, context.terminal.now()));
  return EXIT.done;
}

export interface ListOptions {
  readonly status?: string;
  readonly cluster?: string;
}

export async function listRequests(context: Context, options: ListOptions): Promise<ExitCode> {
  if (options.status !== undefined && !isRequestStatus(options.status))
    throw usage(`--status: ${inert(options.status)} is not a status (pending-approval, open, closed, …)`);
  const query = new URLSearchParams();
  if (options.status) query.set("status", options.status);
  if (options.cluster) query.set("cluster", (await clusterNamed(context, options.cluster)).id);
  const answer = await context.client.call("GET", `/api/requests${query.size ? `?${query.toString()}` : ""}`, {
    retry: "transient",
  });
  const found = read(requestAnswer.array(), answer.body, "GET /api/requests");
  // What waits for a decision is what this person may decide: never their own, never one they approved.
  const oid = context.session.oid?.toLowerCase();
  const mine = (view: RequestAnswer) =>
    view.requester.oid.toLowerCase() === oid || view.approvals.some((a) => a.approver.oid.toLowerCase() === oid);
  const shown = options.status === "pending-approval" ? found.filter((view) => !mine(view)) : found;
  const hidden = found.length - shown.length;
  const note = hidden ? `(${hidden} more you asked for or approved: someone else must decide them)\n` : "";
  emit(context, shown, `${shown.length ? requestsTable(shown, context.terminal.now()) : "nothing\n"}${note}`);
  return EXIT.done;
}
