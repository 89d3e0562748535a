/** A write that breaks a uniqueness rule the caller can fix (e.g. a slug already taken). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE"
  );
}
