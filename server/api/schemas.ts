/**
 * Input validation (zod). Path and query values arrive as strings (or arrays of strings for a
 * repeated query parameter, which every schema here rejects). Patterns are exported so the OpenAPI
 * document states exactly what is accepted.
 */
import { z } from "zod";

import { ETH_ASSET } from "../domain.ts";
import { MAX_UINT256 } from "../store/keys.ts";
import { HttpProblem, type ParameterError } from "./problem.ts";

/** A positive decimal integer without leading zeros, at most uint256 (78 digits). */
export const ID_PATTERN = "^[1-9][0-9]{0,77}$";
export const ADDRESS_PATTERN = "^0x[0-9a-fA-F]{40}$";
export const LIMIT_PATTERN = "^[1-9][0-9]{0,5}$";
export const CURSOR_MAX_LENGTH = 512;
export const DEFAULT_PAGE_SIZE = 20;

const ID_REGEX = new RegExp(ID_PATTERN);

export const postIdSchema = z
  .string()
  .regex(ID_REGEX, "must be a positive decimal integer")
  // Zod runs every check even after one fails: test the pattern again before BigInt.
  .refine((value) => !ID_REGEX.test(value) || BigInt(value) <= MAX_UINT256, "must fit in uint256")
  .transform((value) => BigInt(value));

/** Any case on input; lower case from here on (the store's and the domain's form). */
export const addressSchema = z
  .string()
  .regex(new RegExp(ADDRESS_PATTERN), "must be 0x followed by 40 hex digits")
  .transform((value) => value.toLowerCase() as `0x${string}`);

export function pageQuerySchema(maxPageSize: number) {
  return z.strictObject({
    limit: z
      .string()
      .regex(new RegExp(LIMIT_PATTERN), "must be a positive integer")
      .transform(Number)
      .refine((value) => value <= maxPageSize, `must be at most ${maxPageSize}`)
      .optional()
      .transform((value) => value ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize)),
    /** Decoded and checked against the listing by pagination.ts (invalid_cursor). */
    cursor: z.string().max(CURSOR_MAX_LENGTH, "is too long").optional(),
  });
}

export function leaderboardQuerySchema(maxPageSize: number) {
  return pageQuerySchema(maxPageSize).extend({
    asset: addressSchema.optional().transform((value) => value ?? ETH_ASSET),
  });
}

export const noQuerySchema = z.strictObject({});
export const postParamsSchema = z.strictObject({ id: postIdSchema });
export const authorParamsSchema = z.strictObject({ address: addressSchema });

export type PageQuery = z.output<ReturnType<typeof pageQuerySchema>>;

/** Parses `value` or throws a 400 `invalid_parameter` naming every rejected input. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: "path" | "query"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: ParameterError[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) errors.push({ in: where, name: key, reason: "is not a known parameter" });
    } else {
      errors.push({ in: where, name: issue.path.map(String).join(".") || "(root)", reason: issue.message });
    }
  }
  const names = [...new Set(errors.map((error) => error.name))].join(", ");
  throw new HttpProblem("invalid_parameter", `invalid ${where} parameter: ${names}`, { errors });
}
