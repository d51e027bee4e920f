import { describe, expect, it } from "vitest";
import { compileRoute, matchRoute } from "../../dev/host/routes.js";

describe("offline host routes", () => {
  const routes = [
    compileRoute("api", "requests", ["GET"], "list"),
    compileRoute("api", "requests", ["POST"], "create"),
    compileRoute("api", "requests/{id}", ["GET"], "get"),
    compileRoute("api", "requests/{id}/approve", ["POST"], "approve"),
    compileRoute("api", "dev/directory/groups/{group}/members/{user}", ["DELETE"], "remove"),
    compileRoute("api", "files/{name?}", ["GET"], "files"),
  ];

  it("matches literal segments without regard to case, and by method", () => {
    expect(matchRoute(routes, "GET", "/api/requests")).toEqual({ kind: "found", target: "list", params: {} });
    expect(matchRoute(routes, "post", "/API/Requests/")).toEqual({ kind: "found", target: "create", params: {} });
  });

  it("binds parameters, decoded, one segment each", () => {
    expect(matchRoute(routes, "POST", "/api/requests/bg-1/approve")).toEqual({
      kind: "found",
      target: "approve",
      params: { id: "bg-1" },
    });
    expect(
      matchRoute(routes, "DELETE", "/api/dev/directory/groups/aks-emergency-admins/members/mallory%40contoso.dev"),
    ).toEqual({
      kind: "found",
      target: "remove",
      params: { group: "aks-emergency-admins", user: "mallory@contoso.dev" },
    });
    expect(matchRoute(routes, "GET", "/api/requests/a/b")).toEqual({ kind: "not-found" });
  });

  it("supports optional parameters", () => {
    expect(matchRoute(routes, "GET", "/api/files")).toEqual({ kind: "found", target: "files", params: {} });
    expect(matchRoute(routes, "GET", "/api/files/x")).toEqual({
      kind: "found",
      target: "files",
      params: { name: "x" },
    });
  });

  it("tells a wrong method from an unknown path", () => {
    expect(matchRoute(routes, "DELETE", "/api/requests")).toEqual({
      kind: "method-not-allowed",
      allowed: ["GET", "POST"],
    });
    expect(matchRoute(routes, "GET", "/requests")).toEqual({ kind: "not-found" });
    expect(matchRoute(routes, "GET", "/api/requests.json")).toEqual({ kind: "not-found" });
  });
});
