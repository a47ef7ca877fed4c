"""Quick start: a collection embedded with the shipped MiniLM, a nearText search reranked, its plan, a reload.

Run: python examples/quickstart.py
"""

import tempfile

from rankql.dsl import QueryError
from rankql.runtime import Database

BOOKS = [
    {"title": "The Wright Brothers", "description": "Two bicycle makers from Ohio build the first airplane."},
    {"title": "Wind, Sand and Stars", "description": "A mail pilot's memoir of flying over the Sahara."},
    {"title": "The Old Man and the Sea", "description": "An old fisherman fights a giant marlin at sea."},
    {"title": "The Joy of Cooking", "description": "Recipes for soups, breads, roasts and desserts."},
    {"title": "Jonathan Livingston Seagull", "description": "A seagull perfects the art of flight."},
]

QUERY = """
{
  Get {
    Book(nearText: {concepts: ["flying"]}, limit: 3) {
      title
      _additional {
        distance
        rerank(property: "description", query: "aviation history") { score }
      }
    }
  }
}
"""

with tempfile.TemporaryDirectory() as folder:
    # A database kept in a folder; leaving the `with` block saves it (Database() alone stays in memory).
    with Database(folder) as db:
        books = db.create_collection(
            {
                "class": "Book",
                "vectorizer": "text2vec-transformers",  # the MiniLM shipped with rankql, on this machine
                "moduleConfig": {"reranker-similarity": {}},  # what rerank(...) uses
                "properties": [
                    {"name": "title", "dataType": ["text"]},
                    {"name": "description", "dataType": ["text"]},
                ],
            }
        )
        result = books.insert_many([{"properties": book} for book in BOOKS])
        print(result)  # BatchResult(stored=5, failed=0): errors are per object, never for the whole batch

        answer = db.query(QUERY)  # the same JSON Weaviate's /v1/graphql answers
        for row in answer["data"]["Get"]["Book"]:
            extra = row["_additional"]
            print(f"{extra['rerank'][0]['score']:7.4f}  {extra['distance']:.4f}  {row['title']}")

        print(db.explain(QUERY, analyze=True))  # the plan, with rows and time per operator

        bad = "{ Get { Book(limt: 3) { title } } }"
        print(db.query(bad)["errors"][0]["message"])  # query() answers errors as Weaviate does
        try:
            db.explain(bad)  # explain() and a prepared query's bind() raise instead
        except QueryError as err:
            print(err)  # the message, with a caret under 'limt' and a hint

    with Database(folder) as db:  # opening it again loads the vectors: nothing is embedded twice
        print("reopened:", len(db.collection("Book")), "books")
