// Readiness and evidence, read from routes that a server of this API version may not have yet: a
// 404 that is not the API's own "no such request" means the route is missing, and is said so.
import { z } from "zod";
import { read } from "./answers.js";
import { apiError, type Answer } from "./client.js";
import { emit, type Context } from "./context.js";
import { CliFailure, EXIT, type ExitCode } from "./exits.js";
import { clip, inert, table, when } from "./format.js";
import { requestIdArgument } from "./requesting.js";

const check = z.object({
  name: z.string(),
  ok: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  fix: z.string().optional(),
});
const readinessAnswer = z.object({
  ready: z.boolean(),
  checkedAt: z.string(),
  tenant: z.array(check),
  clusters: z.array(z.object({ id: z.string(), name: z.string(), ready: z.boolean(), checks: z.array(check) })),
});
const evidenceAnswer = z.object({
  status: z.enum(["collected", "pending", "unavailable"]),
  reason: z.string().optional(),
  entries: z.number(),
  afterWindow: z.number(),
  items: z.array(
    z.object({
      at: z.string(),
      verb: z.string(),
      resource: z.string(),
      namespace: z.string().optional().nullable(),
      name: z.string().optional().nullable(),
      user: z.string(),
      sourceIp: z.string().optional().nullable(),
      status: z.union([z.number(), z.string()]).optional().nullable(),
      afterWindow: z.boolean(),
    }),
  ),
});

function available(answer: Answer, what: string): void {
  if (answer.status === 404 && apiError(answer.body)?.code !== "REQUEST_NOT_FOUND")
    throw new CliFailure(EXIT.error, `${what} is not available on this server`);
  if (answer.status === 404) throw new CliFailure(EXIT.error, apiError(answer.body)!.message, "REQUEST_NOT_FOUND");
}

const checkRows = (scope: string, checks: z.infer<typeof check>[]) =>
  checks.map((item) => [scope, item.name, item.ok ? "ok" : "NOT OK", clip(item.message ?? item.code ?? "", 100)]);

export async function showReadiness(context: Context): Promise<ExitCode> {
  const answer = await context.client.call("GET", "/api/readiness", { retry: "transient", accept: [404] });
  available(answer, "readiness");
  const report = read(readinessAnswer, answer.body, "GET /api/readiness");
  const rows = [
    ...checkRows("tenant", report.tenant),
    ...report.clusters.flatMap((cluster) => checkRows(inert(cluster.name), cluster.checks)),
  ];
  const verdict = report.ready ? "ready" : "NOT READY";
  // What mends each red check, after the table: the exact command, whole, to copy.
  const fixes = [
    ...report.tenant.map((item) => ["tenant", item] as const),
    ...report.clusters.flatMap((cluster) => cluster.checks.map((item) => [cluster.name, item] as const)),
  ]
    .filter(([, item]) => !item.ok && item.fix)
    .map(([scope, item]) => `fix ${scope} ${item.name}:\n  ${item.fix!}\n`)
    .join("");
  emit(
    context,
    report,
    `${verdict} (checked ${when(report.checkedAt, context.terminal.now())})\n${table(["SCOPE", "CHECK", "RESULT", "DETAIL"], rows)}${fixes}`,
  );
  return report.ready ? EXIT.done : EXIT.error;
}

export async function showEvidence(context: Context, id: string): Promise<ExitCode> {
  const path = `/api/requests/${encodeURIComponent(requestIdArgument(id))}/evidence`;
  const answer = await context.client.call("GET", path, { retry: "transient", accept: [404] });
  available(answer, "evidence");
  const evidence = read(evidenceAnswer, answer.body, `GET ${path}`);
  const now = context.terminal.now();
  const head = `evidence ${evidence.status}${evidence.reason ? `: ${inert(evidence.reason)}` : ""}; ${evidence.entries} API call(s) as cluster-admin, ${evidence.afterWindow} after the window`;
  const rows = evidence.items.map((item) => [
    when(item.at, now),
    clip(item.verb, 12),
    clip([item.namespace, item.resource, item.name].filter(Boolean).join("/"), 80),
    clip(item.sourceIp ?? "", 40),
    String(item.status ?? ""),
    item.afterWindow ? "AFTER WINDOW" : "",
  ]);
  emit(context, evidence, `${head}\n${rows.length ? table(["AT", "VERB", "OBJECT", "FROM", "STATUS", ""], rows) : ""}`);
  return EXIT.done;
}
