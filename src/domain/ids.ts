// Request ids double as Durable Functions instance ids and Table Storage keys, and they
// appear in links. They are ULIDs (time-ordered, 80 random bits) with a readable prefix:
// sortable by creation, unguessable, and free of characters either store forbids.

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const REQUEST_ID = /^bg-[0-9abcdefghjkmnpqrstvwxyz]{26}$/;
export const REQUEST_ID_RANDOM_BYTES = 10;

/** Builds a request id from the creation time and 10 random bytes (both supplied by the caller). */
export function newRequestId(createdAtMs: number, random: Uint8Array): string {
  if (random.length !== REQUEST_ID_RANDOM_BYTES) throw new RangeError(`need ${REQUEST_ID_RANDOM_BYTES} random bytes`);
  if (!Number.isSafeInteger(createdAtMs) || createdAtMs < 0) throw new RangeError(`bad time ${createdAtMs}`);
  let time = "";
  let t = createdAtMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let rand = "";
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return `bg-${time}${rand}`;
}

export function isRequestId(text: string): boolean {
  return REQUEST_ID.test(text);
}

const ACTION_ID = /^act-[0-9a-f]{16}$/;
export const ACTION_ID_RANDOM_BYTES = 8;

/** An action's id: random only (its receipt carries the time), unique enough per request. */
export function newActionId(random: Uint8Array): string {
  if (random.length !== ACTION_ID_RANDOM_BYTES) throw new RangeError(`need ${ACTION_ID_RANDOM_BYTES} random bytes`);
  return `act-${Buffer.from(random).toString("hex")}`;
}

export function isActionId(text: string): boolean {
  return ACTION_ID.test(text);
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the text is an Entra object id (a GUID), the only kind of id a directory user has. */
export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}
