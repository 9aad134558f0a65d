# Reference: Python's Tornado (Debian's python3-tornado) with the benchmark routes. Usage: python3 tornado_server.py <port> <static-dir>
import asyncio
import json
import sys

import tornado.web
import tornado.websocket

STORE = {str(i): f"item {i}" for i in range(1000)}


class HelloHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, World!")


async def find(item_id):
    return STORE.get(item_id)


class JsonHandler(tornado.web.RequestHandler):
    async def get(self, item_id):
        self.write({"id": item_id, "name": await find(item_id)})


class JsonSyncHandler(tornado.web.RequestHandler):
    def get(self, item_id):
        self.write({"id": item_id, "name": STORE.get(item_id)})


class EchoSocket(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


class BroadcastSocket(tornado.websocket.WebSocketHandler):
    clients = set()

    def open(self):
        BroadcastSocket.clients.add(self)

    def on_close(self):
        BroadcastSocket.clients.discard(self)

    def on_message(self, message):
        for client in BroadcastSocket.clients:
            client.write_message(message, binary=isinstance(message, bytes))


async def main():
    port, static_dir = int(sys.argv[1]), sys.argv[2]
    app = tornado.web.Application(
        [
            (r"/", HelloHandler),
            (r"/json/([^/]+)", JsonHandler),
            (r"/json-sync/([^/]+)", JsonSyncHandler),
            (r"/echo", EchoSocket),
            (r"/broadcast", BroadcastSocket),
        ],
        static_path=static_dir,
        websocket_max_message_size=1 << 20,
    )
    server = app.listen(port, "127.0.0.1")
    bound = list(server._sockets.values())[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
