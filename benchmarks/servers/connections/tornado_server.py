# Reference for the connections benchmark: Python's Tornado (Debian's python3-tornado), a broadcast being a loop over the clients. Usage: python3 tornado_server.py <port>
# Control routes as in raw-uws.js: /control/broadcast?seq=N, /control/gc, /control/stats.
import asyncio
import gc
import sys
import time

import tornado.web
import tornado.websocket

CLIENTS = set()


class FeedSocket(tornado.websocket.WebSocketHandler):
    def open(self):
        CLIENTS.add(self)

    def on_close(self):
        CLIENTS.discard(self)


class BroadcastControl(tornado.web.RequestHandler):
    def get(self):
        seq = int(self.get_argument("seq"))
        sent = time.monotonic_ns() // 1000
        message = f"{seq}:{sent}"
        for client in CLIENTS:
            try:
                client.write_message(message)
            except tornado.websocket.WebSocketClosedError:
                pass
        self.write({"seq": seq, "sentMicros": sent, "publishMicros": time.monotonic_ns() // 1000 - sent, "connections": len(CLIENTS)})


class GcControl(tornado.web.RequestHandler):
    def get(self):
        gc.collect()
        self.write({"gc": True})


class StatsControl(tornado.web.RequestHandler):
    def get(self):
        self.write({"connections": len(CLIENTS)})


async def main():
    port = int(sys.argv[1])
    app = tornado.web.Application([
        (r"/feed", FeedSocket),
        (r"/control/broadcast", BroadcastControl),
        (r"/control/gc", GcControl),
        (r"/control/stats", StatsControl),
    ])
    server = app.listen(port, "127.0.0.1")
    bound = list(server._sockets.values())[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
