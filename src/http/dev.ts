// Simulation-only routes (DESIGN §6). They are registered only in simulation mode, which
// refuses to run in Azure; they hand out tokens for the simulated directory's users.
import { z } from "zod";
import type { SimulatedDirectory } from "../adapters/simulation/simulatedDirectory.js";
import type { DevTokenIssuer } from "../adapters/simulation/devTokens.js";
import type { OutboxNotifier } from "../adapters/simulation/outbox.js";
import { isRequestId } from "../domain/ids.js";
import { endpoint } from "./api.js";
import { readJsonBody } from "./body.js";
import { ApiError, jsonResponse } from "./errors.js";

export interface DevDependencies {
  readonly directory: SimulatedDirectory;
  readonly outbox: OutboxNotifier;
  readonly tokens: DevTokenIssuer;
  readonly now: () => Date;
}

const tokenBody = z.object({ user: z.string().trim().min(1).max(256) }).strict();

export function createDevHandlers(deps: DevDependencies) {
  return {
    /** A token for a simulated user, named by UPN (alice@contoso.dev) or object id. */
    devToken: endpoint(async (request) => {
      const { user: name } = await readJsonBody(request, tokenBody);
      const user = name.includes("@") ? await deps.directory.findUserByUpn(name) : await deps.directory.getUser(name);
      if (!user) throw new ApiError(404, "UNKNOWN_USER", `the simulated directory has no user ${name}`);
      return jsonResponse(200, await deps.tokens.issue(user, deps.now()));
    }),

    /** Every notification sent so far, oldest first; `?requestId=` narrows to one request. */
    devOutbox: endpoint(async (request) => {
      const requestId = request.query.get("requestId") ?? undefined;
      if (requestId !== undefined && !isRequestId(requestId)) throw new ApiError(400, "INVALID_REQUEST", "requestId: not a request id");
      return jsonResponse(200, await deps.outbox.list(requestId));
    }),
  };
}

export type DevHandlers = ReturnType<typeof createDevHandlers>;
