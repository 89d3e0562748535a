import { Alert } from "../components.tsx";
import { Layout } from "../layout.tsx";

const headings: Record<number, string> = {
  400: "That did not work",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  500: "Something went wrong",
};

/** An error on a signed-in page: what happened, and the way back. */
export function ErrorPage(props: { status: number; message: string; csrfToken: string }) {
  const heading = headings[props.status] ?? "Something went wrong";
  return (
    <Layout title={heading} csrfToken={props.csrfToken}>
      <div class="page-head">
        <div>
          <h1>{heading}</h1>
        </div>
      </div>
      <div class="card">
        <div class="card-body stack">
          <Alert kind="error">{props.message}</Alert>
          <p>
            <a href="/">Back to your gateways</a>
          </p>
        </div>
      </div>
    </Layout>
  );
}
