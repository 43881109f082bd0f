import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../errors/StudioError';
import { ENGINE_METHODS, type EngineHandlers, type EngineInfo } from './protocol';
import { pairEngine, type OrtStarter } from './startEngine';
import { hostWorker } from './testPair';

const INFO = { packId: 'tiny', packName: 'Tiny', backend: 'wasm', backendReason: 'forced', codec: {} } as unknown as EngineInfo;

/** An engine host whose init waits for `open()` (as a real init waits behind a take), and fake ORT workers. */
function setup() {
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const unused = () => Promise.reject(new Error('not used'));
  const handlers = {
    ...(Object.fromEntries(ENGINE_METHODS.map((m) => [m, unused])) as unknown as EngineHandlers),
    init: async () => {
      await gate;
      return INFO;
    },
  };
  const host = hostWorker(handlers);
  const orts: { terminated: boolean; port: MessagePort }[] = [];
  const startOrt: OrtStarter = () => {
    const { port1 } = new MessageChannel();
    const o = { terminated: false, port: port1 };
    orts.push(o);
    return { worker: { terminate: () => { o.terminated = true; } }, port: port1 };
  };
  const crashes: StudioError[] = [];
  const client = pairEngine(host.worker, startOrt, { onCrash: (e) => crashes.push(e) });
  return {
    host, orts, client, crashes,
    hold() { gate = new Promise<void>((r) => (release = r)); },
    open: () => release(),
  };
}

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('pairEngine', () => {
  it('keeps the old ORT worker through a cancelled pack load (the engine has not released it yet), and ends both after the next load', async () => {
    const t = setup();
    close = t.host.close;
    await t.client.init({ manifestUrl: 'a', backend: 'wasm' });
    expect(t.orts.map((o) => o.terminated)).toEqual([false]);

    t.hold(); // the next load waits in the engine (behind a take, say) and the user cancels it
    const ac = new AbortController();
    const cancelled = t.client.init({ manifestUrl: 'b', backend: 'wasm' }, { signal: ac.signal });
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(t.orts.map((o) => o.terminated)).toEqual([false, false]); // the engine still holds the first one's sessions
    t.open();

    await t.client.init({ manifestUrl: 'a', backend: 'wasm' }); // the app loads the previous pack again
    expect(t.orts.map((o) => o.terminated)).toEqual([true, true, false]);
  });

  it('two loads that overlap (a switch confirmed while the first still loads): the first one\'s answer ends neither worker', async () => {
    const t = setup();
    close = t.host.close;
    t.hold();
    const first = t.client.init({ manifestUrl: 'a', backend: 'wasm' });
    const second = t.client.init({ manifestUrl: 'b', backend: 'wasm' });
    t.open();
    await first;
    expect(t.orts.map((o) => o.terminated)).toEqual([false, false]); // the engine releases the first in the second init
    await second;
    expect(t.orts.map((o) => o.terminated)).toEqual([true, false]);
  });

  it('ends every ORT worker when the engine worker crashes', async () => {
    const t = setup();
    close = t.host.close;
    await t.client.init({ manifestUrl: 'a', backend: 'wasm' });
    t.host.worker.crash('out of memory');
    expect(t.orts.map((o) => o.terminated)).toEqual([true]);
    expect(t.crashes.map((e) => e.code)).toEqual(['ENGINE_CRASHED']);
  });
});
