# Reference: TechEmpower's six tests on Python's Tornado (Debian's python3-tornado) with asyncpg (Debian's python3-asyncpg): a pool of 4, statements prepared and cached by asyncpg, fortunes from a Tornado template. Usage: DATABASE_URL=postgres://... /usr/bin/python3 tornado_server.py <port>
import asyncio
import json
import os
import random
import sys

import asyncpg
import tornado.web

POOL_SIZE = 4
READ = "SELECT id, randomnumber FROM world WHERE id = $1"
WRITE = "UPDATE world SET randomnumber = $2 WHERE id = $1"
ADDED_FORTUNE = "Additional fortune added at request time."


def random_id():
    return random.randint(1, 10000)


def query_count(raw):
    """TFB's `queries` parameter: an integer clamped to 1..500; anything else is 1."""
    try:
        count = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(count, 1), 500)


class BenchmarkHandler(tornado.web.RequestHandler):
    """Tornado writes Server and Date itself."""

    @property
    def pool(self):
        return self.application.settings["pool"]

    def write_json(self, value):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(value, separators=(",", ":")))


class PlaintextHandler(BenchmarkHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.finish(b"Hello, World!")


class JsonHandler(BenchmarkHandler):
    def get(self):
        self.write_json({"message": "Hello, World!"})


class SingleQueryHandler(BenchmarkHandler):
    async def get(self):
        row = await self.pool.fetchrow(READ, random_id())
        self.write_json({"id": row["id"], "randomNumber": row["randomnumber"]})


async def read_worlds(connection, count):
    worlds = []
    for _ in range(count):
        row = await connection.fetchrow(READ, random_id())
        worlds.append({"id": row["id"], "randomNumber": row["randomnumber"]})
    return worlds


class MultipleQueriesHandler(BenchmarkHandler):
    async def get(self):
        async with self.pool.acquire() as connection:
            worlds = await read_worlds(connection, query_count(self.get_argument("queries", None)))
        self.write_json(worlds)


class FortunesHandler(BenchmarkHandler):
    async def get(self):
        rows = await self.pool.fetch("SELECT id, message FROM fortune")
        fortunes = [{"id": row["id"], "message": row["message"]} for row in rows]
        fortunes.append({"id": 0, "message": ADDED_FORTUNE})
        fortunes.sort(key=lambda fortune: fortune["message"])
        self.render("fortunes-tornado.html", fortunes=fortunes)


class UpdatesHandler(BenchmarkHandler):
    async def get(self):
        async with self.pool.acquire() as connection:
            worlds = await read_worlds(connection, query_count(self.get_argument("queries", None)))
            for world in worlds:
                world["randomNumber"] = random_id()
            # Rows locked in id order: concurrent requests never deadlock.
            await connection.executemany(WRITE, sorted((w["id"], w["randomNumber"]) for w in worlds))
        self.write_json(worlds)


async def main():
    port = int(sys.argv[1])
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE)
    app = tornado.web.Application(
        [
            (r"/plaintext", PlaintextHandler),
            (r"/json", JsonHandler),
            (r"/db", SingleQueryHandler),
            (r"/queries", MultipleQueriesHandler),
            (r"/fortunes", FortunesHandler),
            (r"/updates", UpdatesHandler),
        ],
        template_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
        pool=pool,
    )
    server = app.listen(port, "127.0.0.1")
    bound = list(server._sockets.values())[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
