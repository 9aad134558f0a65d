// The seed's IOLoop example: schedule work with callLater, keep the loop running until it says stop. Run: npm run build && node dist/samples/ioloop/app.js
import { IOLoop, PeriodicCallback } from '../../lib';

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const loop = IOLoop.current();
  let ticks = 0;
  const ticker = new PeriodicCallback(() => log(`tick ${++ticks}`), 100);
  loop.callLater(0.05, () => log('callLater: 50 ms later'));
  loop.callLater(0.35, () => {
    ticker.stop();
    log('stopping the loop');
    loop.stop();
  });
  ticker.start();
  await loop.start();
  log('loop stopped');
}

if (require.main === module) void main();
