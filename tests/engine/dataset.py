"""Small datasets the engine tests own: given vectors, text, numbers, dates and arrays, fixed uuids."""

from __future__ import annotations

from rankql.runtime import Database
from rankql.runtime.store.values import generate_uuid5

ARTICLES = [
    # title, body, wordCount, rating, published, tags, category, inStock, vector
    (
        "Fresh fish recipes",
        "How to cook fresh fish from the market",
        120,
        4.5,
        "2021-03-01T00:00:00Z",
        ["food", "fish"],
        "food",
        True,
        [1.0, 0.0, 0.0, 0.0],
    ),
    (
        "Fish markets of Tokyo",
        "The biggest fish market in the world",
        300,
        4.0,
        "2020-06-15T12:00:00Z",
        ["travel", "fish"],
        "travel",
        False,
        [0.9, 0.1, 0.0, 0.0],
    ),
    (
        "Baking bread at home",
        "Flour water salt and time make bread",
        80,
        3.5,
        "2019-01-20T08:30:00Z",
        ["food", "baking"],
        "food",
        True,
        [0.1, 0.9, 0.0, 0.0],
    ),
    (
        "Sourdough starters",
        "A starter needs flour and water every day",
        150,
        None,
        "2022-11-05T00:00:00Z",
        ["baking"],
        "food",
        None,
        [0.0, 1.0, 0.0, 0.0],
    ),
    (
        "Hiking the Alps",
        "Mountain trails and fresh air",
        500,
        5.0,
        "2018-07-04T00:00:00Z",
        ["travel", "outdoors"],
        "travel",
        True,
        [0.0, 0.0, 1.0, 0.0],
    ),
    (
        "Camping gear review",
        "Tents stoves and sleeping bags for the trail",
        220,
        2.5,
        None,
        ["outdoors"],
        "outdoors",
        False,
        [0.0, 0.1, 0.9, 0.0],
    ),
    (
        "Stock markets today",
        "Markets fell as rates rose",
        90,
        3.0,
        "2023-02-28T16:00:00Z",
        [],
        "finance",
        True,
        [0.0, 0.0, 0.0, 1.0],
    ),
    (
        "Saving for retirement",
        "Compound interest and patient saving",
        400,
        4.5,
        "2017-05-05T00:00:00Z",
        ["money"],
        "finance",
        None,
        [0.1, 0.0, 0.1, 0.9],
    ),
    (
        "Fish and chips",
        "A classic dish of fried fish and potatoes",
        60,
        4.0,
        "2021-08-08T00:00:00Z",
        ["food", "fish"],
        "food",
        True,
        [0.8, 0.2, 0.0, 0.0],
    ),
    ("Untitled draft", None, None, None, None, None, None, None, [0.5, 0.5, 0.5, 0.5]),
]

PUBLICATIONS = [
    ("The Daily Fish", 1990, [1.0, 0.0, 0.0, 0.0]),
    ("Mountain Monthly", 2005, [0.0, 0.0, 1.0, 0.0]),
    ("Money Matters", 1975, [0.0, 0.0, 0.0, 1.0]),
]

ARTICLE_CLASS = {
    "class": "Article",
    "vectorizer": "none",
    "moduleConfig": {"reranker-dummy": {}},
    "vectorIndexConfig": {"distance": "cosine"},
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "body", "dataType": ["text"]},
        {"name": "wordCount", "dataType": ["int"]},
        {"name": "rating", "dataType": ["number"]},
        {"name": "published", "dataType": ["date"]},
        {"name": "tags", "dataType": ["text[]"]},
        {"name": "category", "dataType": ["text"], "tokenization": "field"},
        {"name": "inStock", "dataType": ["boolean"]},
    ],
}

PUBLICATION_CLASS = {
    "class": "Publication",
    "vectorizer": "none",
    "properties": [{"name": "name", "dataType": ["text"]}, {"name": "founded", "dataType": ["int"]}],
}

DOT_CLASS = {
    "class": "DotItem",
    "vectorizer": "none",
    "vectorIndexConfig": {"distance": "dot"},
    "properties": [{"name": "label", "dataType": ["text"]}],
}

_FIELDS = ("title", "body", "wordCount", "rating", "published", "tags", "category", "inStock")


def article_uuid(i: int) -> str:
    return generate_uuid5(f"article-{i}")


def build_articles(db: Database) -> Database:
    """Article (10 objects), Publication (3) and DotItem (3) with given vectors."""
    articles = db.create_collection(ARTICLE_CLASS)
    objects = []
    for i, row in enumerate(ARTICLES):
        props = {k: v for k, v in zip(_FIELDS, row[:-1], strict=True) if v is not None}
        objects.append({"id": article_uuid(i), "properties": props, "vector": row[-1]})
    _insert(articles, objects)
    pubs = db.create_collection(PUBLICATION_CLASS)
    _insert(
        pubs,
        [
            {"id": generate_uuid5(f"pub-{i}"), "properties": {"name": n, "founded": f}, "vector": v}
            for i, (n, f, v) in enumerate(PUBLICATIONS)
        ],
    )
    dots = db.create_collection(DOT_CLASS)
    _insert(
        dots,
        [
            {
                "id": generate_uuid5(f"dot-{i}"),
                "properties": {"label": f"item {i}"},
                "vector": [float(i + 1), 1.0],
            }
            for i in range(3)
        ],
    )
    return db


def _insert(collection, objects: list[dict]) -> None:
    result = collection.insert_many(objects, progress=False)
    errors = [r.error for r in result if r.error is not None]
    assert not errors, errors


MINILM_DOCS = [
    ("Airplanes fly through the sky carrying passengers", "transport"),
    ("Birds flap their wings to fly south for the winter", "animals"),
    ("Dolphins swim in the warm ocean water", "animals"),
    ("Submarines travel deep under the sea", "transport"),
    ("A recipe for chocolate cake with frosting", "food"),
    ("Fresh bread baked in a wood oven", "food"),
]

MINILM_CLASS = {
    "class": "Doc",
    "vectorizer": "text2vec-transformers",
    "moduleConfig": {"text2vec-transformers": {"vectorizeClassName": False}, "reranker-dummy": {}},
    "properties": [
        {"name": "text", "dataType": ["text"]},
        {"name": "topic", "dataType": ["text"], "tokenization": "field"},
    ],
}


def build_minilm(db: Database) -> Database:
    docs = db.create_collection(MINILM_CLASS)
    _insert(
        docs,
        [
            {"id": generate_uuid5(f"doc-{i}"), "properties": {"text": t, "topic": c}}
            for i, (t, c) in enumerate(MINILM_DOCS)
        ],
    )
    return db


# Named vectors: two per object, given (no vectorizer); "Lamp" has no image vector.
PRODUCT_CLASS = {
    "class": "Product",
    "properties": [{"name": "name", "dataType": ["text"]}],
    "vectorConfig": {
        "text_vec": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"},
        "image_vec": {
            "vectorizer": {"none": {}},
            "vectorIndexType": "flat",
            "vectorIndexConfig": {"distance": "l2-squared"},
        },
    },
}
PRODUCTS = [
    ("Chair", [1.0, 0.0], [0.0, 0.0]),
    ("Table", [0.8, 0.6], [1.0, 0.0]),
    ("Sofa", [0.0, 1.0], [0.0, 1.0]),
    ("Lamp", [0.6, 0.8], None),
]


def build_named(db: Database) -> Database:
    """Product (4 objects) with the named vectors text_vec (cosine, hnsw) and image_vec (l2-squared, flat)."""
    products = db.create_collection(PRODUCT_CLASS)
    objects = []
    for i, (name, text, image) in enumerate(PRODUCTS):
        vectors = {"text_vec": text, **({"image_vec": image} if image is not None else {})}
        objects.append(
            {"id": generate_uuid5(f"product-{i}"), "properties": {"name": name}, "vectors": vectors}
        )
    _insert(products, objects)
    return db
