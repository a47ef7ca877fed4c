"""Hybrid search, then a reranker over a wider window than the page it returns.

rerank(window: 6) takes the first-stage top 6, reorders them, and only then applies limit: 2, so a
document the first stage ranked 5th can reach the page. Without window, Weaviate's rule holds: only the
returned page is reranked.

Run: python examples/hybrid_rerank_window.py
"""

import json
from pathlib import Path

from rankql.runtime import Database

HERE = Path(__file__).parent
QUERY = """
{
  Get {
    Book(hybrid: {query: "pilots and flight", alpha: 0.5, fusionType: relativeScoreFusion},
         where: {path: ["year"], operator: GreaterThan, valueInt: 1900},
         limit: 2) {
      title
      year
      _additional {
        score
        rerank(property: "description", query: "learning to fly an airplane", window: 6) { score rank }
      }
    }
  }
}
"""

db = Database()
db.create_collection(json.loads((HERE / "data" / "book_schema.json").read_text()))
records = [json.loads(line) for line in (HERE / "data" / "books.jsonl").read_text().splitlines()]
db.collection("Book").insert_many(
    [{"properties": {("docId" if k == "_id" else k): v for k, v in r.items()}} for r in records]
)

for row in db.query(QUERY)["data"]["Get"]["Book"]:
    rerank = row["_additional"]["rerank"][0]
    print(f"{row['title']} ({row['year']}): rerank {rerank['score']:.3f}, first-stage rank {rerank['rank']}")
print(db.explain(QUERY, analyze=True))
