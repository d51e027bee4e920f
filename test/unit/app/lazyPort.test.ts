// lazyPort (docs/design.md §13): the adapter loads on the port's first call and once; a failed
// load is tried again; an awaited port is the port.
import { describe, expect, it } from "vitest";
import { lazyPort } from "../../../src/app/lazyPort.js";

interface Greeter {
  greet(name: string): Promise<string>;
}

describe("lazyPort", () => {
  it("loads the adapter on the first call, once, and calls it with its own `this`", async () => {
    let loads = 0;
    const port = lazyPort<Greeter>(async () => {
      loads++;
      return new (class {
        readonly greeting = "hello";
        async greet(name: string) {
          return `${this.greeting} ${name}`;
        }
      })();
    });
    expect(loads).toBe(0);
    expect(await Promise.all([port.greet("alice"), port.greet("bob")])).toEqual(["hello alice", "hello bob"]);
    expect(await port.greet("carol")).toBe("hello carol");
    expect(loads).toBe(1);
  });

  it("tries a failed load again on the next call", async () => {
    let loads = 0;
    const port = lazyPort<Greeter>(async () => {
      if (++loads === 1) throw new Error("module not found");
      return { greet: async (name) => `hi ${name}` };
    });
    await expect(port.greet("alice")).rejects.toThrow("module not found");
    expect(await port.greet("alice")).toBe("hi alice");
    expect(loads).toBe(2);
  });

  it("is no promise: awaiting it gives the port, loading nothing", async () => {
    let loads = 0;
    const port = lazyPort<Greeter>(async () => (loads++, { greet: async () => "" }));
    expect(await Promise.resolve(port)).toBe(port);
    expect(loads).toBe(0);
  });
});
