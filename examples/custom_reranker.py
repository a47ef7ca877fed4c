"""A reranker of your own: any object with score(query, documents) -> list[float], registered by name.

Run: python examples/custom_reranker.py
"""

from rankql.runtime import Database


class KeywordOverlap:
    """Scores a document by the share of query words it contains (a stand-in for your model or service)."""

    name = "keyword-overlap"

    def score(self, query: str, documents: list[str]) -> list[float]:
        words = set(query.lower().split())
        return [len(words & set(doc.lower().split())) / max(len(words), 1) for doc in documents]


db = Database()
db.register_reranker("keyword-overlap", KeywordOverlap())  # register before a class names it
db.create_collection(
    {
        "class": "Recipe",
        "vectorizer": "none",
        "moduleConfig": {"keyword-overlap": {}},  # the class may now use it in rerank(...)
        "properties": [{"name": "name", "dataType": ["text"]}, {"name": "steps", "dataType": ["text"]}],
    }
).insert_many(
    [
        {"properties": {"name": "Pancakes", "steps": "whisk flour eggs milk then fry in butter"}},
        {"properties": {"name": "Omelette", "steps": "beat eggs fry in butter fold with cheese"}},
        {"properties": {"name": "Salad", "steps": "chop lettuce tomato add olive oil"}},
    ]
)

answer = db.query(
    """{ Get { Recipe(bm25: {query: "eggs"}) {
         name
         _additional { score rerank(property: "steps", query: "fry eggs in butter with cheese") { score } }
       } } }"""
)
for row in answer["data"]["Get"]["Recipe"]:
    print(row["name"], row["_additional"]["rerank"][0]["score"])
