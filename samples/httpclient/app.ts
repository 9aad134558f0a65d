// The seed's AsyncHTTPClient example: fetch a URL inside IOLoop.runSync and print the body. Run: npm run build && node dist/samples/httpclient/app.js [url]
import { AsyncHTTPClient, IOLoop } from '../../lib';

export async function main(url: string, log: (line: string) => void = console.log): Promise<void> {
  const client = new AsyncHTTPClient();
  try {
    const response = await client.fetch(url);
    log(response.text);
  } catch (error) {
    log(`Error: ${(error as Error).message}`);
  } finally {
    client.close();
  }
}

if (require.main === module) {
  void IOLoop.current().runSync(() => main(process.argv[2] ?? 'http://127.0.0.1:8888/'), { timeout: 30 });
}
