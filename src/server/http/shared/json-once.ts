import type { FastifyReply } from "fastify";

// Hot reads whose answer is kept until the database changes (ReadCache) come back as the same
// object again and again: it is serialised once, by the route's own response serialiser, and
// that JSON is sent from then on. One object is answered by one route only.

const JSON_UTF8 = "application/json; charset=utf-8";
const SERIALISED = new WeakMap<object, string>();

export function sendJsonOnce(reply: FastifyReply, value: object, status = "200"): FastifyReply {
  let json = SERIALISED.get(value);
  if (json === undefined) {
    json = reply.serializeInput(value as never, status) as string;
    SERIALISED.set(value, json);
  }
  return reply.type(JSON_UTF8).send(json as never);
}
