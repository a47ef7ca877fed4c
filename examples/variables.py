"""Variables: compile a query once with prepare(), then run it with different values.

Run: python examples/variables.py
"""

from rankql.runtime import Database

QUERY = """
query Search($text: String!, $top: Int = 2) {
  Get {
    Book(bm25: {query: $text, properties: ["title^2", "description"]}, limit: $top) {
      title
      _additional { score }
    }
  }
}
"""

db = Database()  # in memory; no vectorizer is needed for bm25
db.create_collection(
    {
        "class": "Book",
        "vectorizer": "none",
        "properties": [
            {"name": "title", "dataType": ["text"]},
            {"name": "description", "dataType": ["text"]},
        ],
    }
).insert_many(
    [
        {"properties": {"title": "Salt", "description": "The mineral that shaped trade and empires."}},
        {"properties": {"title": "Cod", "description": "The fish that changed the world."}},
        {"properties": {"title": "The Fish Market", "description": "Salt cod, oysters, the catch."}},
    ]
)

search = db.prepare(QUERY)  # parsed and checked once; cached by its text as well
for text in ("fish", "salt", "oysters"):
    answer = search.run({"text": text})
    titles = [row["title"] for row in answer["data"]["Get"]["Book"]]
    print(f"{text!r:10} -> {titles}")

# Same thing in one call: db.query(text, variables)
print(db.query(QUERY, {"text": "fish", "top": 1})["data"]["Get"]["Book"])

# A variable of the wrong type is an error in the answer, as Weaviate's endpoint reports it
print(db.query(QUERY, {"text": 42})["errors"][0]["message"])
