import type { ContentfulStatusCode } from "hono/utils/http-status";

/** RFC 9457 problem details, the one error body of the admin API. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For validation errors: the offending field, as a dotted path. */
  field?: string;
  errors?: { field: string; message: string }[];
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The gateway's one HTTP error class: it knows its status and renders itself as problem+json. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  constructor(
    readonly status: ContentfulStatusCode,
    detail: string,
    readonly extra: { type?: string; field?: string; errors?: { field: string; message: string }[] } = {},
  ) {
    super(detail);
  }

  toBody(): ProblemBody {
    const slug = (titles[this.status] ?? "error").toLowerCase().replaceAll(" ", "-");
    return {
      type: this.extra.type ?? `urn:mcp-gateway:problem:${slug}`,
      title: titles[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(this.extra.field ? { field: this.extra.field } : {}),
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
    };
  }

  toResponse(headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toBody()), {
      status: this.status,
      headers: { "content-type": "application/problem+json", ...headers },
    });
  }
}
