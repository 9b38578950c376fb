/**
 * The Host header, checked on the routes that reach the chain's node or change state (/rpc and the
 * relayer's), against DNS rebinding: a page on an attacker's domain that resolves to 127.0.0.1 is
 * same-origin with this server in the browser's eyes, but its requests carry the attacker's name in
 * Host. Allowed: loopback names (localhost, *.localhost), IP literals (a browser sends one only when
 * the user typed it: no name to rebind) and the names configured in ALLOWED_HOSTS.
 */
import { isIP } from "node:net";

import type { RequestHandler } from "express";

import { HttpProblem } from "./problem.ts";

/** The host name of a Host header value, lower case, without port or IPv6 brackets; undefined if malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(1, end);
  }
  const match = /^([^:]+)(?::\d{1,5})?$/.exec(value);
  return match?.[1];
}

export function isAllowedHost(name: string, allowed: ReadonlySet<string>): boolean {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  return bare === "localhost" || bare.endsWith(".localhost") || isIP(bare) !== 0 || allowed.has(bare);
}

export function checkHost(allowedHosts: readonly string[] = []): RequestHandler {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return (req, _res, next) => {
    const name = hostName(req.headers.host);
    if (name === undefined || !isAllowedHost(name, allowed)) {
      throw new HttpProblem("host_not_allowed", `this route answers only to loopback names, IP addresses and ALLOWED_HOSTS, not to Host ${JSON.stringify(req.headers.host ?? "")}`);
    }
    next();
  };
}
