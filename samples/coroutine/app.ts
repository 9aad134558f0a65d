// The seed's coroutine example, Tornado style: a generator that yields promises, run as a coroutine. Run: npm run build && node dist/samples/coroutine/app.js [url]
import { AsyncHTTPClient, coroutine, IOLoop, type HTTPResponse } from '../../lib';

/** Tornado: `@gen.coroutine def fetch_coroutine(url): response = yield http_client.fetch(url); return response.body` */
export const fetchCoroutine = coroutine(function* (client: AsyncHTTPClient, url: string) {
  const response: HTTPResponse = yield client.fetch(url);
  return response.body;
});

/** Several fetches at once: yielding an array waits for all of them (gen.multi). */
export const fetchAll = coroutine(function* (client: AsyncHTTPClient, urls: string[]) {
  const responses: HTTPResponse[] = yield urls.map((url) => client.fetch(url));
  return responses.map((response) => response.body.length);
});

if (require.main === module) {
  const url = process.argv[2] ?? 'http://127.0.0.1:8888/';
  const client = new AsyncHTTPClient();
  void IOLoop.current()
    .runSync(async () => {
      const body: Buffer = await fetchCoroutine(client, url);
      console.log(body.toString());
      console.log('sizes:', await fetchAll(client, [url, url]));
    }, { timeout: 30 })
    .catch((error) => console.log(`Error: ${error.message}`))
    .finally(() => client.close());
}
