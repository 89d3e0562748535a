import { Alert } from "../components.tsx";
import { BareLayout, Brand } from "../layout.tsx";

export function SignInPage(props: { next: string; error?: string; signedOut?: boolean }) {
  return (
    <BareLayout title="Sign in">
      <div class="auth-card">
        <div class="auth-brand">
          <Brand />
        </div>
        <div class="card">
          <div class="card-body">
            <h1>Sign in</h1>
            <p class="lead">Enter the admin token of this gateway.</p>
            <form method="post" action="/sign-in" class="stack">
              {props.error ? <Alert kind="error">{props.error}</Alert> : null}
              {props.signedOut && !props.error ? <Alert kind="success">You are signed out.</Alert> : null}
              <input type="hidden" name="next" value={props.next} />
              <div class="field">
                <label for="token">Admin token</label>
                <input
                  class="input input-mono"
                  id="token"
                  name="token"
                  type="password"
                  autocomplete="current-password"
                  required
                  autofocus
                  aria-invalid={props.error ? "true" : undefined}
                />
              </div>
              <button type="submit" class="btn btn-primary">
                Sign in
              </button>
            </form>
          </div>
        </div>
        <p class="auth-foot">
          The token was printed when the gateway first started, or set with <code>ADMIN_TOKEN</code>. To
          replace a lost one, run <code>pnpm start -- --reset-admin-token</code> on the server.
        </p>
      </div>
    </BareLayout>
  );
}
