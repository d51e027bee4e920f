// The kube-audit query template: no cluster id or time can add KQL of its own; and the reading of
// its answer, which trusts none of the log's values.
import { describe, expect, it } from "vitest";
import {
  ADMIN_CALL_COLUMNS,
  adminCallsQuery,
  adminCallsTimespan,
  COMPLETION_SLACK_MS,
  describeIncomplete,
  parseAdminCalls,
} from "../../../src/domain/kubeAuditQuery.js";
import { auditIdOf } from "../../support/kubeAudit.js";
import { summarizeAdminCalls } from "../../../src/domain/evidence.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const FROM = new Date("2026-11-28T10:00:00.000Z");
const TO = new Date("2026-11-28T10:30:00.000Z");
const LITERAL = /base64_decode_tostring\("([^"]*)"\)/;

const HOSTILE = [
  `aks-a" | union (AKSAudit | project RequestObject) //`,
  'aks-a\\"); print secret=1 //',
  "aks-a'\n| take 1000000\n//",
  "aks-a\r\n| getschema",
  "aks-ä-ü-😀-\u2028-\u0000",
  "aks-a`;let x = 1;`",
  '"',
  "\\",
  "",
];

describe("the kube-audit query", () => {
  it("is the fixed template", () => {
    expect(adminCallsQuery(ID, FROM, TO, 5_000)).toMatchInlineSnapshot(`
      "let fromTime = datetime(2026-11-28T10:00:00.000Z);
      let toTime = datetime(2026-11-28T10:30:00.000Z);
      let clusterId = base64_decode_tostring("L3N1YnNjcmlwdGlvbnMvMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMGFhL3Jlc291cmNlR3JvdXBzL3JnLXByb2QvcHJvdmlkZXJzL01pY3Jvc29mdC5Db250YWluZXJTZXJ2aWNlL21hbmFnZWRDbHVzdGVycy9ha3MtYQ==");
      union isfuzzy=true
        (AKSAudit | project AuditId, Stage, At = RequestReceivedTime, Verb, User, ObjectRef, SourceIps, ResponseStatus, _ResourceId),
        (AKSAuditAdmin | project AuditId, Stage, At = RequestReceivedTime, Verb, User, ObjectRef, SourceIps, ResponseStatus, _ResourceId),
        (AzureDiagnostics
          | where Category in ("kube-audit", "kube-audit-admin")
          | extend Event = parse_json(column_ifexists("log_s", ""))
          | project AuditId = tostring(Event.auditID), Stage = tostring(Event.stage), At = todatetime(Event.requestReceivedTimestamp), Verb = tostring(Event.verb), User = Event.user, ObjectRef = Event.objectRef, SourceIps = Event.sourceIPs, ResponseStatus = Event.responseStatus, _ResourceId)
      | where _ResourceId =~ clusterId
      | where At between (fromTime .. toTime)
      | where Stage == "ResponseComplete"
      | where tostring(User.username) == "masterclient"
      | extend Subresource = tostring(ObjectRef.subresource)
      | project AuditId, At, Verb,
          Resource = strcat(tostring(ObjectRef.resource), iff(isempty(Subresource), "", strcat("/", Subresource))),
          Namespace = tostring(ObjectRef.namespace), Name = tostring(ObjectRef.name),
          Username = tostring(User.username), SourceIp = tostring(SourceIps[0]), Status = toint(ResponseStatus.code)
      | summarize take_any(Username, SourceIp, Status) by AuditId, At, Verb, Resource, Namespace, Name
      | project AuditId, At, Verb, Resource, Namespace, Name, Username, SourceIp, Status
      | order by At asc, AuditId asc
      | take 5001"
    `);
  });

  it("reads no request or response body, and answers exactly the columns the parser reads", () => {
    const query = adminCallsQuery(ID, FROM, TO, 10);
    expect(query).not.toMatch(/RequestObject|ResponseObject|requestObject|responseObject/);
    expect(
      query
        .split("\n")
        .filter((line) => line.startsWith("| project "))
        .at(-1),
    ).toBe(`| project ${ADMIN_CALL_COLUMNS.join(", ")}`);
  });

  it.each(HOSTILE)("carries a hostile cluster id only as base64, the template unchanged: %j", (hostile) => {
    const id = `${ID}${hostile}`;
    const query = adminCallsQuery(id, FROM, TO, 5_000);
    const literal = LITERAL.exec(query)![1]!;
    expect(literal).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(Buffer.from(literal, "base64").toString("utf8")).toBe(id);
    expect(query.replace(LITERAL, "CLUSTER")).toBe(adminCallsQuery(ID, FROM, TO, 5_000).replace(LITERAL, "CLUSTER"));
    if (hostile.length > 1) expect(query).not.toContain(hostile);
  });

  it("writes times only as ISO instants, and refuses any other", () => {
    const query = adminCallsQuery(ID, new Date(Date.UTC(2026, 10, 28, 10, 0, 0, 7)), TO, 5_000);
    expect(query).toContain("let fromTime = datetime(2026-11-28T10:00:00.007Z);");
    const hostileDate = Object.assign(new Date(FROM), { toISOString: () => "2026-11-28T10:00:00Z); print 1 //" });
    expect(() => adminCallsQuery(ID, hostileDate, TO, 5_000)).toThrow(RangeError);
    expect(() => adminCallsQuery(ID, new Date(NaN), TO, 5_000)).toThrow(RangeError);
    expect(() => adminCallsQuery(ID, FROM, new Date("+010000-01-01T00:00:00Z"), 5_000)).toThrow(RangeError);
    expect(() => adminCallsQuery(ID, "2026-11-28" as unknown as Date, TO, 5_000)).toThrow(RangeError);
    expect(() => adminCallsQuery(ID, TO, FROM, 5_000)).toThrow(RangeError);
    expect(() => adminCallsQuery(ID, FROM, TO, 1.5)).toThrow(RangeError);
    expect(() => adminCallsTimespan(new Date(NaN), TO)).toThrow(RangeError);
  });

  it("asks the service for rows written up to an hour after the period, for calls that completed late", () => {
    expect(adminCallsTimespan(FROM, TO)).toEqual({
      startTime: FROM,
      endTime: new Date(TO.getTime() + COMPLETION_SLACK_MS),
    });
  });
});

const COLUMNS = ADMIN_CALL_COLUMNS.map((name) => ({ name }));

describe("reading the query's answer", () => {
  it("reads each shape's rows as the SDK hands them over (datetimes as Dates)", () => {
    const rows = [
      // AKSAuditAdmin: a delete in a namespace.
      [
        "a1",
        new Date("2026-11-28T10:05:00.1234567Z"),
        "delete",
        "pods",
        "kube-system",
        "coredns-1",
        "masterclient",
        "203.0.113.7",
        200,
      ],
      // AKSAudit: a get of a secret, refused.
      [
        "a2",
        new Date("2026-11-28T10:06:00Z"),
        "get",
        "secrets",
        "kube-system",
        "sp-secret",
        "masterclient",
        "203.0.113.7",
        403,
      ],
      // AzureDiagnostics: an exec (a subresource), its time as text.
      ["a3", "2026-11-28T10:07:00Z", "create", "pods/exec", "default", "web-0", "masterclient", "2001:db8::1", 101],
      // A cluster-scoped list: no namespace, no name.
      ["a4", new Date("2026-11-28T10:08:00Z"), "list", "nodes", "", "", "masterclient", "", 200],
    ];
    expect(parseAdminCalls({ columns: COLUMNS, rows }, 100)).toEqual({
      truncated: false,
      calls: [
        {
          id: expect.stringMatching(/^a1#[0-9a-f]{16}$/),
          at: "2026-11-28T10:05:00.123Z",
          verb: "delete",
          resource: "pods",
          namespace: "kube-system",
          name: "coredns-1",
          user: "masterclient",
          sourceIp: "203.0.113.7",
          status: 200,
        },
        expect.objectContaining({
          id: expect.stringMatching(/^a2#[0-9a-f]{16}$/),
          verb: "get",
          resource: "secrets",
          status: 403,
        }),
        expect.objectContaining({
          id: expect.stringMatching(/^a3#[0-9a-f]{16}$/),
          at: "2026-11-28T10:07:00.000Z",
          resource: "pods/exec",
          sourceIp: "2001:db8::1",
        }),
        expect.objectContaining({
          id: expect.stringMatching(/^a4#[0-9a-f]{16}$/),
          namespace: "",
          name: "",
          sourceIp: "",
          status: 200,
        }),
      ],
    });
  });

  it("finds columns by name, in any order, ignoring ones it does not know", () => {
    const columns = [{ name: "Status" }, { name: "Extra" }, { name: "At" }, { name: "AuditId" }, {}];
    expect(parseAdminCalls({ columns, rows: [["200", "x", "2026-11-28T10:05:00Z", "a1", "y"]] }, 10).calls).toEqual([
      {
        id: expect.stringMatching(/^a1#[0-9a-f]{16}$/),
        at: "2026-11-28T10:05:00.000Z",
        verb: "",
        resource: "",
        namespace: "",
        name: "",
        user: "",
        sourceIp: "",
        status: 200,
      },
    ]);
  });

  it("turns odd cells into empty ones and leaves out rows it cannot count or place, without throwing", () => {
    const rows: unknown[] = [
      ["a1", "2026-11-28T10:05:00Z", null, { resource: "pods" }, ["kube-system"], 42, true, undefined, "teapot"],
      ["a2", "2026-11-28T10:05:00Z", "get", "pods", "", "", "masterclient", "", 99999],
      ["a3", "2026-11-28T10:05:00Z", "get", "pods", "", "", "masterclient", "", -1],
      ["a4", "2026-11-28T10:05:00Z", "get", "pods", "", "", "masterclient", "", 200.5],
      [null, "2026-11-28T10:05:00Z", "get"],
      ["", "2026-11-28T10:05:00Z", "get"],
      ["b1", "not a time", "get"],
      ["b2", null, "get"],
      ["b3", new Date(NaN), "get"],
      "not a row",
      null,
      [],
    ];
    const { calls } = parseAdminCalls({ columns: COLUMNS, rows }, 100);
    expect(calls.map((found) => auditIdOf(found))).toEqual(["a1", "a2", "a3", "a4"]);
    expect(calls[0]).toMatchObject({
      verb: "",
      resource: "",
      namespace: "",
      name: "42",
      user: "",
      sourceIp: "",
      status: 0,
    });
    expect(calls.slice(1).map((found) => found.status)).toEqual([0, 0, 0]);
    expect(parseAdminCalls({ columns: [], rows: [["a1"]] }, 10)).toEqual({ calls: [], truncated: false });
  });

  it("tells apart calls that share a client-chosen AuditId, and counts a call seen in two tables once", () => {
    const row = (resource: string) => ["chosen", "2026-11-28T10:05:00Z", "delete", resource, "kube-system", "x"];
    const { calls } = parseAdminCalls({ columns: COLUMNS, rows: [row("pods"), row("secrets"), row("pods")] }, 10);
    expect(calls.map(auditIdOf)).toEqual(["chosen", "chosen", "chosen"]);
    expect(new Set(calls.map((found) => found.id)).size).toBe(2);
    expect(summarizeAdminCalls(calls).entries).toBe(2);
    // A hostile AuditId cannot make the id long.
    const [long] = parseAdminCalls({ columns: COLUMNS, rows: [["x".repeat(5000), "2026-11-28T10:05:00Z"]] }, 1).calls;
    expect(long!.id.length).toBeLessThanOrEqual(81);
  });

  it("keeps at most the row limit and says truncated when the answer held more", () => {
    const rows = Array.from({ length: 4 }, (_, index) => [`a${index}`, `2026-11-28T10:0${index}:00Z`]);
    const cut = parseAdminCalls({ columns: COLUMNS, rows }, 3);
    expect([cut.calls.map((found) => auditIdOf(found)), cut.truncated]).toEqual([["a0", "a1", "a2"], true]);
    expect(parseAdminCalls({ columns: COLUMNS, rows: rows.slice(0, 3) }, 3).truncated).toBe(false);
  });
});

describe("describeIncomplete", () => {
  it("reads each level's code and message, outermost first, once each, on one line", () => {
    expect(
      describeIncomplete({
        code: "PartialError",
        message: "There were some errors\r\n when processing your query.",
        details: [
          { code: "WorkspaceFailed", message: "One workspace did not answer" },
          { code: "WorkspaceFailed", message: "One workspace did not answer" },
        ],
        innererror: { code: "EngineError", innererror: { message: "Partial query failure" } },
      }),
    ).toBe(
      "PartialError: There were some errors when processing your query.; WorkspaceFailed: One workspace did not answer; " +
        "EngineError; Partial query failure",
    );
  });

  it("leaves out links and anything shaped like a token", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const said = describeIncomplete({
      code: "PartialError",
      message: `See https://aka.ms/kustoquerylimits?sig=abc, Bearer ${jwt}, ${jwt} and token=s3cr3t or key=k3y.`,
    });
    expect(said).toBe("PartialError: See [link] Bearer [token] [token] and token=[redacted] or key=[redacted]");
    for (const secret of ["aka.ms", "abc", jwt, "s3cr3t", "k3y"]) expect(said).not.toContain(secret);
  });

  it("keeps a line, not the service's whole report, and never throws on what is not an error", () => {
    const long = describeIncomplete({ code: "PartialError", message: "x".repeat(1_000) });
    expect([long.length, long.endsWith("…")]).toEqual([300, true]);
    const nested: Record<string, unknown> = { code: "Loop" };
    nested.innererror = nested;
    expect(describeIncomplete(nested)).toBe("Loop");
    for (const odd of [undefined, null, "text", 42, [], { message: {} }])
      expect(describeIncomplete(odd)).toBe("the log answered only in part, without saying why");
  });
});
