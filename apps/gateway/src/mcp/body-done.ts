/**
 * Returns the response with `done` called once its body has been sent completely, or abandoned
 * (the client went away, or the server ended the stream). A long-lived SSE stream counts as
 * in use until then. Bodiless responses are done at once.
 */
export function onBodyDone(response: Response, done: () => void): Response {
  if (!response.body) {
    done();
    return response;
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  response.body.pipeTo(writable).then(done, done);
  return new Response(readable, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
