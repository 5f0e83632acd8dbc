"""The search bench's products and its query mix.

Products: name, description, sku, category, status and price, with words and
categories drawn from Zipf distributions, as a shop's are. Queries: the
kinds in KINDS, each a SearchCase every engine answers the same way.
"""
import random
from dataclasses import dataclass

STATUSES = ("active",) * 8 + ("draft", "archived")
FACETS = ("category", "status")
SITE_PAGE_SIZES = (12, 20)  # the catalogue page (views.PER_PAGE) and the API (REST_FRAMEWORK PAGE_SIZE)
DEEP_PAGES = (2, 50)

ADJECTIVES = (
    "red blue green black white golden silver vintage modern classic compact deluxe portable wireless "
    "organic handmade rustic elegant sturdy lightweight premium mini giant smart quiet bright soft warm "
    "cool folding electric manual waterproof"
).split()
MATERIALS = "oak walnut bamboo steel brass copper leather linen wool cotton ceramic glass stone marble".split()
NOUNS = (
    "chair table lamp shelf desk sofa mug bowl plate kettle teapot blanket pillow rug mirror clock vase "
    "basket backpack wallet belt scarf jacket boots sneakers watch headphones speaker keyboard mouse "
    "monitor charger cable notebook pen pencil cookbook novel atlas puzzle kite ball racket bicycle "
    "helmet tent lantern knife pan pot grill"
).split()
SYLLABLES = "ka lo mi ne ra su te vi do pa re si to zu be ga hi jo ku ma".split()
# What shoppers ask for and the shop does not sell: no product holds these words, nor any word
# within one typo of them (checked when the vocabulary is made).
MISSING = (
    "guitar trampoline violin drone printer scooter perfume sunglasses harmonica snorkel aquarium "
    "telescope microwave umbrella hammock skateboard binoculars saxophone typewriter chandelier"
).split()
# A description word worth searching for: past the few that nearly every product holds.
COMMON_RANKS = (20, 400)

# kind -> share of the queries
KINDS = {
    "site": 0.25,  # the catalogue and API search as apps.catalog.services.search_products asks it
    "name_word": 0.12,
    "description_word": 0.10,
    "two_words": 0.10,
    "rare_word": 0.10,
    "missing_word": 0.05,
    "deep_page": 0.14,
    "price_sort": 0.14,
}


@dataclass(frozen=True)
class SearchCase:
    """One query: words, filters, facets, order and page, as the contract takes them."""

    kind: str
    text: str
    active_only: bool = False
    category: str | None = None
    price_range: tuple | None = None
    facets: tuple = ()
    sort: str | None = None  # "price" or "-price"; relevance otherwise
    page: int = 1
    page_size: int = 20


@dataclass
class Catalogue:
    products: list
    categories: list
    vocabulary: list  # description words, most frequent first


def zipf_weights(count, exponent=1.1):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def generate_products(count, categories, rng):
    vocabulary = list(dict.fromkeys(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)
    ))
    word_weights = zipf_weights(len(vocabulary))
    category_names = [f"category-{n:02d}" for n in range(categories)]
    category_weights = zipf_weights(categories, 0.8)
    products = []
    for number in range(count):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}".capitalize()
        words = rng.choices(vocabulary, word_weights, k=rng.randint(12, 30))
        products.append({
            "id": str(number + 1),
            "name": name,
            "description": f"{name}. " + " ".join(words),
            "sku": f"SKU-{number + 1:07d}",
            "category": rng.choices(category_names, category_weights)[0],
            "status": rng.choice(STATUSES),
            "price": round(min(999.0, rng.lognormvariate(3.5, 1.0)) + 1, 2),
            "version": 1,
        })
    return Catalogue(products, category_names, vocabulary)


def within_one_edit(a, b):
    """Whether one insertion, deletion or substitution turns ``a`` into ``b`` (or they are equal)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        return a[start + 1:] == b[start + 1:]
    return a[start:] == b[start + 1:]


class QueryMix:
    """Draws SearchCases of every kind in KINDS from a catalogue."""

    def __init__(self, catalogue, rng):
        self.catalogue, self.rng = catalogue, rng
        self.rank = {word: rank for rank, word in enumerate(catalogue.vocabulary)}
        self.kinds, self.weights = list(KINDS), list(KINDS.values())
        # tantivy tries again within one typo when nothing matches: a missing word must stay missing.
        indexed = set(catalogue.vocabulary) | set(ADJECTIVES) | set(MATERIALS) | set(NOUNS)
        self.missing = [w for w in MISSING if not any(within_one_edit(w, other) for other in indexed)]

    def draw(self, count):
        return [getattr(self, kind)() for kind in self.rng.choices(self.kinds, self.weights, k=count)]

    # -- pieces ------------------------------------------------------------------
    def _product(self):
        return self.rng.choice(self.catalogue.products)

    def _name_words(self, product, most=2):
        words = product["name"].lower().split()
        return self.rng.sample(words, self.rng.randint(1, most))

    def _description_words(self, product):
        return [word for word in product["description"].split(". ", 1)[1].split()]

    def _faceted(self, kind, product, text, **changes):
        """The faceted listing: a category half the time, a price range around the product's, both facets."""
        rng = self.rng
        category = product["category"] if rng.random() < 0.5 else None
        low = round(product["price"] * rng.uniform(0.3, 1.0), 2)
        high = round(product["price"] * rng.uniform(1.0, 3.0), 2)
        return SearchCase(kind, text, category=category, price_range=(low, high), facets=FACETS, **changes)

    # -- kinds ---------------------------------------------------------------------
    def site(self):
        """services.search_products: the words typed, status=active, page 1 (the count asks it too), no facets."""
        product = self._product()
        words = self._name_words(product)
        if self.rng.random() < 0.3:
            words = [self._description_word(product)]
        return SearchCase("site", " ".join(words), active_only=True, page_size=self.rng.choice(SITE_PAGE_SIZES))

    def name_word(self):
        product = self._product()
        return self._faceted("name_word", product, " ".join(self._name_words(product, most=1)))

    def _description_word(self, product):
        """One of the product's description words worth searching for (not one nearly every product holds)."""
        low, high = COMMON_RANKS
        candidates = [w for w in self._description_words(product) if low <= self.rank[w] < high]
        return self.rng.choice(candidates or self._description_words(product))

    def description_word(self):
        product = self._product()
        return self._faceted("description_word", product, self._description_word(product))

    def two_words(self):
        product = self._product()
        text = f"{self._name_words(product, most=1)[0]} {self._description_word(product)}"
        return self._faceted("two_words", product, text)

    def rare_word(self):
        """The product's least frequent description word: a handful of products hold it."""
        product = self._product()
        word = max(self._description_words(product), key=self.rank.__getitem__)
        return self._faceted("rare_word", product, word)

    def missing_word(self):
        return SearchCase("missing_word", self.rng.choice(self.missing), active_only=True,
                          page_size=self.rng.choice(SITE_PAGE_SIZES))

    def deep_page(self):
        """A frequent name word read far down, as a visitor paging on does."""
        word = self.rng.choice(ADJECTIVES + MATERIALS)
        return SearchCase("deep_page", word, active_only=True, page=self.rng.randint(*DEEP_PAGES))

    def price_sort(self):
        product = self._product()
        sort = "price" if self.rng.random() < 0.7 else "-price"
        return self._faceted("price_sort", product, " ".join(self._name_words(product)), sort=sort)


def query_mix(catalogue, count, seed):
    return QueryMix(catalogue, random.Random(seed)).draw(count)
