import { createHash, randomBytes } from 'node:crypto';
import { Application, inject, singleton } from '../../lib';
import { CHAT_HISTORY, type ChatHistory } from './chat-history';

/** One message of the room, as pages receive it. */
export interface ChatMessage {
  /** Unique in the room (random): a page that gets a message twice shows it once. */
  id: string;
  /** Who said it: the same for every page of one browser, and unguessable from it (see {@link authorOf}). */
  author: string;
  /** The name the author gave, trimmed; plain text, never HTML. */
  name: string;
  text: string;
}

/** What the server sends a page: who it is and the history when it connects, then each message. */
export type ChatEvent = { type: 'joined'; you: string; history: ChatMessage[] } | { type: 'message'; message: ChatMessage };

/**
 * The author id of a browser: a digest of the secret its `chat_id` cookie holds. Pages see
 * each other's ids, never the secret, so no page can make its messages look like another's
 * "(you)". A client without the cookie gets a new secret, so an id of its own.
 */
export function authorOf(secret: string | undefined): string {
  return createHash('sha256').update(secret || randomBytes(16).toString('hex')).digest('hex').slice(0, 16);
}

/** The room: one topic on the application's pub/sub, and the history new pages get. */
@singleton()
export class ChatRoom {
  static readonly topic = 'chat';

  constructor(private readonly app: Application, @inject(CHAT_HISTORY) private readonly history: ChatHistory) {}

  /** Oldest first: what a page that joins now is shown. */
  recent(): Promise<ChatMessage[]> {
    return this.history.recent();
  }

  /** Keeps the message in the history, then sends it to every page, the author's included. */
  say(said: Omit<ChatMessage, 'id'>): void {
    const message: ChatMessage = { id: randomBytes(8).toString('hex'), ...said };
    // History first: a page joining on this thread meanwhile finds the message there, or gets
    // it live, or both (pages show an id once), never neither.
    this.history.add(message);
    this.app.publish(ChatRoom.topic, { type: 'message', message } satisfies ChatEvent);
  }
}
