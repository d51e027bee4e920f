import { describe, expect, it } from "vitest";
import { returnPath } from "../../../src/domain/returnPaths.js";

const ORIGIN = "http://localhost:7071";

describe("return paths after sign-in", () => {
  it.each([
    ["//evil.example/"],
    ["/\\evil.example"],
    ["/\t/evil.example/"],
    ["\t//evil.example"],
    ["/.//evil.example"],
    ["/a/..//evil.example"],
    ["/%2e%2e//evil.example"],
    ["/\\[::1"],
    ["https://evil.example/"],
    ["http://localhost:7071/api/health"],
    ["javascript:alert(1)"],
    ["/\r\nSet-Cookie:x"],
    ["/a\nb"],
    ["/a\rb"],
    ["/a b"],
    ["/a\u0000b"],
    ["/caf\u00e9"],
    ["/\u20ac"],
    ["/\u202e"],
    [""],
    ["foo"],
    ["./foo"],
    ["?x=1"],
  ])("refuses %j", (returnTo) => {
    expect(returnPath(returnTo, ORIGIN)).toBeUndefined();
  });

  it.each([
    ["/", "/"],
    ["/api/requests/bg-1/review?token=a.b.c", "/api/requests/bg-1/review?token=a.b.c"],
    ["/api/%E2%82%AC?q=%20#top", "/api/%E2%82%AC?q=%20#top"],
    ["/a/./b/../c", "/a/c"],
    ["/a\\b", "/a/b"],
    ['/a"b<c>', "/a%22b%3Cc%3E"],
  ])("sends %j back as %j", (returnTo, location) => {
    expect(returnPath(returnTo, ORIGIN)).toBe(location);
  });
});
