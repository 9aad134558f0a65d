import { BroadcastChannel } from 'node:worker_threads';
import type { InjectionToken } from '../../lib';
import type { ChatMessage } from './chat-room';

/** How many messages a page gets when it joins. */
export const HISTORY_SIZE = 50;

/**
 * Where the room keeps its last {@link HISTORY_SIZE} messages. Each message is added once, by
 * the thread it was said on; `recent()` gives them oldest first.
 */
export interface ChatHistory {
  add(message: ChatMessage): void;
  recent(): Promise<ChatMessage[]>;
}

/** The token the room's history is registered under (`makeApp` picks the kind). */
export const CHAT_HISTORY: InjectionToken<ChatHistory> = Symbol('ChatHistory');

/**
 * The history in this process's memory. With worker threads (`WORKERS=2`) the threads tell each
 * other what was said over a BroadcastChannel (which never echoes to the sender, so nothing is
 * kept twice): whichever thread a page connects to has the same history. Gone on restart.
 *
 * @example
 * ```ts
 * const history = new MemoryHistory('chat-history'); // shared with this process's other threads
 * history.add({ id: '1', author: 'a1', name: 'Ada', text: 'hello' });
 * ```
 */
export class MemoryHistory implements ChatHistory {
  private readonly messages: ChatMessage[] = [];
  private readonly threads: BroadcastChannel | null;

  /** @param threadChannel the channel name the threads of one application share; none: this thread only */
  constructor(threadChannel?: string) {
    this.threads = threadChannel ? new BroadcastChannel(threadChannel) : null;
    if (this.threads) {
      this.threads.onmessage = (event) => this.keep((event as { data: ChatMessage }).data);
      // The channel must not keep a thread alive once its server has closed.
      (this.threads as unknown as { unref(): void }).unref();
    }
  }

  add(message: ChatMessage): void {
    this.keep(message);
    this.threads?.postMessage(message);
  }

  recent(): Promise<ChatMessage[]> {
    return Promise.resolve([...this.messages]);
  }

  private keep(message: ChatMessage): void {
    this.messages.push(message);
    if (this.messages.length > HISTORY_SIZE) this.messages.shift();
  }
}
