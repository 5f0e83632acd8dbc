"""The demo shop `make run` loads: about 200 products in 8 categories, each with pictures drawn
here with Pillow (no network), and 50 shoppers. `seed_demo --products 100000` makes a
catalogue for benchmarks the same way.

Safe to run again: products are known by SKU and shoppers by username, and only the missing
ones are made. Everything is drawn from a seeded random generator, so two runs make the same shop.

The parts of a product whose home is the document store go through the real services, so
they reach the outbox and the search index as an operator's or a shopper's would: attributes
per the category's schema (ATTRIBUTE_SCHEMAS), stock (some products sold out) and a few
reviews by the demo's shoppers (some products have none). Those writes cost an event each,
so in a large catalogue only the first DOCUMENT_PARTS_LIMIT products get attributes and
reviews; every product gets its stock, which the "in stock" facet needs.
"""
import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from apps.stores.images import prepare_image
from apps.sync.dispatch import batched_delivery

from .attributes import save_attributes
from .models import Category, Product, ProductImage
from .pictures import THUMBNAIL_SIZES
from .reviews import Review
from .services import unique_slug
from .stock import set_quantity

DEFAULT_PRODUCTS, DEFAULT_SHOPPERS = 200, 50
#: Products written (and their events committed) per transaction.
CHUNK = 100
#: Up to this many products each get pictures drawn for them; beyond it (benchmarks) the
#: pictures come from a small pool drawn once per category, so 100,000 products stay quick.
DRAWN_PICTURES_LIMIT = 1000
POOL_PER_CATEGORY = 8
PICTURE_SIZE = 640
SEED = 14
#: Products below this number get attributes and reviews; beyond it (benchmarks) only their stock.
DOCUMENT_PARTS_LIMIT = 1000
#: One product in SOLD_OUT_ONE_IN has no stock left; one in NO_REVIEWS_ONE_IN has no reviews yet.
SOLD_OUT_ONE_IN, NO_REVIEWS_ONE_IN = 8, 5
MAX_REVIEWS = 5

#: Hand-written products, the first of the demo (the rest are generated from the words below).
CATALOGUE = {
    "Home & Kitchen": [
        ("Brass desk lamp", "49.00", "A warm brass lamp with a linen shade and a dimmer on the cord."),
        ("Stoneware mug set", "32.50", "Four speckled stoneware mugs, 350 ml, dishwasher safe."),
        ("Cast iron skillet", "45.00", "A 26 cm pre-seasoned skillet that goes from hob to oven."),
        ("Linen tea towels", "18.00", "Three stonewashed linen towels in oat, sage and charcoal."),
        ("Pour-over coffee kettle", "58.00", "A gooseneck kettle with a built-in thermometer."),
        ("Oak cutting board", "39.00", "End-grain oak board, oiled, with a juice groove."),
        ("Glass storage jars", "27.00", "Six borosilicate jars with bamboo lids for the pantry."),
        ("Wool throw blanket", "89.00", "A heavy merino throw in a herringbone weave."),
    ],
    "Books": [
        ("The Patient Gardener", "22.00", "A year of slow gardening, month by month, with sketches."),
        ("Designing Data Systems", "54.00", "How databases, caches and queues fit together, and why."),
        ("Night Trains of Europe", "28.00", "A travel guide to sleeper routes from Lisbon to Stockholm."),
        ("The Bread Notebook", "26.00", "Sourdough, rye and flatbreads, with a baker's timetable."),
        ("Small Wonders", "16.50", "Short stories about lighthouses, libraries and lost dogs."),
        ("Field Guide to Mushrooms", "31.00", "Three hundred species with photographs and look-alikes."),
    ],
    "Outdoors": [
        ("Trail running shoes", "120.00", "Light shoes with a rock plate and a grippy lugged sole."),
        ("Insulated water bottle", "29.00", "Keeps water cold for a day and tea hot for twelve hours."),
        ("Two-person tent", "240.00", "A freestanding three-season tent that packs to 2 kg."),
        ("Merino hiking socks", "19.00", "Cushioned socks that stay fresh over long days."),
        ("Headlamp 400 lumen", "35.00", "A rechargeable headlamp with a red night mode."),
        ("Packable rain jacket", "95.00", "A waterproof breathable shell that folds into its pocket."),
        ("Camping stove", "64.00", "A compact gas stove that boils a litre in four minutes."),
    ],
    "Electronics": [
        ("Wireless earbuds", "79.00", "Noise-cancelling earbuds with a six-hour battery."),
        ("Mechanical keyboard", "110.00", "A compact keyboard with hot-swappable tactile switches."),
        ("USB-C charging hub", "42.00", "Charges a laptop, a phone and a watch from one plug."),
        ("E-ink reader", "129.00", "A glare-free reader with a warm light and weeks of battery."),
        ("Bluetooth speaker", "68.00", "A splash-proof speaker with a fabric cover and a strap."),
        ("Desk lamp with wireless charger", "55.00", "An LED desk lamp whose base charges your phone."),
    ],
    "Toys & Games": [
        ("Wooden train set", "48.00", "Forty pieces of beech track, a bridge and two engines."),
        ("Strategy board game", "39.00", "Build trade routes across a map of islands; 2 to 4 players."),
        ("1000-piece puzzle", "21.00", "A harbour at dusk, printed on thick recycled board."),
        ("Kite for beginners", "25.00", "A stable delta kite that flies in light wind."),
    ],
    "Garden": [
        ("Copper watering can", "46.00", "A two-litre can with a long spout for seedlings and pots."),
        ("Raised bed kit", "119.00", "A larch raised bed, 120 by 60 cm, that goes together without tools."),
        ("Pruning shears", "34.00", "Bypass secateurs with a sap groove and a one-hand lock."),
    ],
    "Stationery": [
        ("Dot-grid notebook", "17.00", "A5, 160 pages of fountain-pen-friendly paper, lay-flat binding."),
        ("Fountain pen", "44.00", "A steel-nib pen with a converter and a box of ink cartridges."),
        ("Desk organiser", "29.00", "A walnut tray with slots for pens, cards and a phone."),
    ],
    "Clothing": [
        ("Wool beanie", "24.00", "A ribbed merino beanie, warm without itching."),
        ("Canvas tote bag", "22.00", "A heavy cotton tote with an inner pocket and long handles."),
        ("Linen shirt", "68.00", "A relaxed linen shirt that softens with every wash."),
    ],
}


#: Words the generated products are named from. No adjective starts with A or B, so the
#: hand-written products above keep the first page of the catalogue.
ADJECTIVES = ["Classic", "Compact", "Everyday", "Folding", "Handmade", "Heritage", "Light", "Midnight",
              "Nordic", "Pocket", "Rustic", "Slate", "Studio", "Travel", "Urban", "Velvet", "Willow", "Coastal"]
NOUNS = {
    "Home & Kitchen": ["teapot", "serving bowl", "knife block", "bread bin", "table runner", "candle holder",
                       "salad servers", "spice rack"],
    "Books": ["cookbook", "poetry collection", "atlas", "sketchbook guide", "travel memoir", "mystery novel",
              "history of maps", "book of puzzles"],
    "Outdoors": ["daypack", "camp chair", "trekking poles", "sleeping bag", "hammock", "compass", "trail mug",
                 "fleece jacket"],
    "Electronics": ["radio", "power bank", "alarm clock", "webcam", "desk fan", "turntable", "headphones",
                    "smart plug"],
    "Toys & Games": ["card game", "building blocks", "marble run", "jigsaw", "yo-yo", "dominoes", "chess set",
                     "kite"],
    "Garden": ["planter", "trowel", "seed tray", "bird feeder", "hose reel", "garden kneeler", "herb pots",
               "rain gauge"],
    "Stationery": ["journal", "pencil case", "letter set", "ink bottle", "washi tape set", "clipboard",
                   "sketch pencils", "bookmark set"],
    "Clothing": ["scarf", "cardigan", "rain hat", "gloves", "overshirt", "wool socks", "apron", "belt"],
}
PRICE_RANGES = {
    "Home & Kitchen": (12, 120), "Books": (9, 60), "Outdoors": (15, 260), "Electronics": (19, 240),
    "Toys & Games": (8, 80), "Garden": (7, 140), "Stationery": (4, 60), "Clothing": (14, 150),
}
PALETTES = {
    "Home & Kitchen": ((236, 222, 200), (176, 112, 64)), "Books": ((226, 232, 240), (60, 80, 130)),
    "Outdoors": ((214, 232, 214), (52, 110, 70)), "Electronics": ((222, 226, 232), (40, 44, 56)),
    "Toys & Games": ((252, 232, 212), (214, 80, 60)), "Garden": ((226, 240, 214), (96, 140, 50)),
    "Stationery": ((244, 238, 228), (120, 90, 150)), "Clothing": ((240, 228, 232), (150, 60, 90)),
}
FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jon", "Kasia", "Luca",
               "Mei", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Viktor", "Wen", "Xavi",
               "Yara"]
BIOS = ["Cooks on Sundays, reads on trains.", "Collects notebooks and uses none of them.",
        "Walks the coast path every spring.", "Builds things out of wood and cardboard.", ""]


def _schema(**properties):
    """An attribute schema as apps.catalog.attributes allows: an object of plain-typed properties.
    ``examples`` (a JSON Schema keyword) holds the words the demo picks string values from."""
    return {"type": "object", "properties": properties, "required": [next(iter(properties))]}


def _choice(title, *values):
    return {"type": "string", "title": title, "enum": list(values)}


#: Each demo category's attribute schema (JSON Schema, checked by apps.catalog.attributes.check_schema).
ATTRIBUTE_SCHEMAS = {
    "Home & Kitchen": _schema(
        material=_choice("Material", "Stoneware", "Cast iron", "Oak", "Linen", "Glass", "Brass", "Wool"),
        colour=_choice("Colour", "Oat", "Sage", "Charcoal", "Natural", "White"),
        dishwasher_safe={"type": "boolean", "title": "Dishwasher safe"},
        weight_kg={"type": "number", "title": "Weight (kg)", "minimum": 0.1, "maximum": 5},
    ),
    "Books": _schema(
        format=_choice("Format", "Hardback", "Paperback", "E-book"),
        author={"type": "string", "title": "Author", "maxLength": 80,
                "examples": ["Ada Lindqvist", "Omar Haddad", "Mei Tanaka", "Rosa Ferreira", "Jon Okafor"]},
        pages={"type": "integer", "title": "Pages", "minimum": 48, "maximum": 900},
        language=_choice("Language", "English", "French", "German", "Spanish"),
    ),
    "Outdoors": _schema(
        season=_choice("Season", "Summer", "Three-season", "Four-season"),
        weight_g={"type": "integer", "title": "Weight (g)", "minimum": 40, "maximum": 3000},
        waterproof={"type": "boolean", "title": "Waterproof"},
    ),
    "Electronics": _schema(
        colour=_choice("Colour", "Black", "White", "Graphite", "Blue"),
        battery_hours={"type": "integer", "title": "Battery (hours)", "minimum": 2, "maximum": 60},
        wireless={"type": "boolean", "title": "Wireless"},
        warranty_years={"type": "integer", "title": "Warranty (years)", "minimum": 1, "maximum": 3},
    ),
    "Toys & Games": _schema(
        min_age={"type": "integer", "title": "From age", "minimum": 3, "maximum": 14},
        players=_choice("Players", "1", "1 to 2", "2 to 4", "2 to 6"),
        material=_choice("Material", "Beech", "Cardboard", "Ripstop nylon", "Recycled plastic"),
    ),
    "Garden": _schema(
        material=_choice("Material", "Copper", "Larch", "Steel", "Terracotta"),
        frost_proof={"type": "boolean", "title": "Frost proof"},
        capacity_l={"type": "number", "title": "Capacity (litres)", "minimum": 0.5, "maximum": 60},
    ),
    "Stationery": _schema(
        colour=_choice("Colour", "Black", "Navy", "Forest green", "Burgundy"),
        paper_gsm={"type": "integer", "title": "Paper (g/m²)", "minimum": 70, "maximum": 160},
        refillable={"type": "boolean", "title": "Refillable"},
    ),
    "Clothing": _schema(
        size=_choice("Size", "XS", "S", "M", "L", "XL"),
        material=_choice("Material", "Merino", "Cotton", "Linen", "Canvas"),
        colour=_choice("Colour", "Charcoal", "Navy", "Rust", "Oat"),
    ),
}
#: What the demo's shoppers write, by the stars they give.
REVIEW_TEXTS = {
    1: ["Broke within a week, sadly.", "Not as described."],
    2: ["Does the job, but feels cheap.", "Smaller than I expected."],
    3: ["Fine for the price.", "Good, with a few rough edges."],
    4: ["Well made and arrived quickly.", "Very happy with it; would buy again.", ""],
    5: ["Exactly what I wanted. Lovely quality.", "A gift that went down very well.", "Perfect.", ""],
}
#: How often each number of stars is given (shoppers are kind, mostly).
STAR_WEIGHTS = {1: 1, 2: 1, 3: 3, 4: 6, 5: 6}


@dataclass
class DemoProduct:
    sku: str
    name: str
    description: str
    category: str
    price: str


def demo_products(count, rng=None):
    """The first ``count`` products of the demo, in order: the hand-written catalogue first,
    then generated ones spread over the categories."""
    rng = rng or random.Random(SEED)
    made = 0
    for category, items in CATALOGUE.items():
        for number, (name, price, description) in enumerate(items, start=1):
            if made == count:
                return
            yield DemoProduct(f"{slugify(category)[:4].upper()}-{number:03d}", name, description, category, price)
            made += 1
    categories = list(CATALOGUE)
    # Each category's names in a shuffled order, so no name repeats until they run out.
    names = {category: rng.sample([f"{adjective} {noun}" for adjective in ADJECTIVES for noun in NOUNS[category]],
                                  len(ADJECTIVES) * len(NOUNS[category])) for category in categories}
    number = 0
    while made < count:
        number += 1
        category = categories[number % len(categories)]
        turn = (number - 1) // len(categories)
        name = names[category][turn % len(names[category])]
        if turn >= len(names[category]):
            name = f"{name}, edition {turn // len(names[category]) + 1}"
        low, high = PRICE_RANGES[category]
        price = f"{rng.randrange(low * 2, high * 2) / 2:.2f}"
        description = (f"A {name.lower()} from our {category.lower()} range: "
                       f"{rng.choice(['made to last', 'light and sturdy', 'a favourite gift', 'simple and useful'])}.")
        yield DemoProduct(f"DEMO-{number:06d}", name, description, category, price)
        made += 1


def draw_picture(title, category, variant=0):
    """A product picture drawn here: the category's colours, a few shapes, the product's name. JPEG bytes."""
    background, ink = PALETTES.get(category, ((235, 235, 235), (60, 60, 60)))
    rng = random.Random(f"{title}/{variant}")
    picture = Image.new("RGB", (PICTURE_SIZE, PICTURE_SIZE), background)
    draw = ImageDraw.Draw(picture)
    for _ in range(6):
        x, y, r = rng.randrange(PICTURE_SIZE), rng.randrange(PICTURE_SIZE), rng.randrange(40, 200)
        tint = tuple(int(b + (i - b) * rng.uniform(0.15, 0.45)) for b, i in zip(background, ink))
        shape = draw.ellipse if rng.random() < 0.6 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=tint)
    draw.rectangle((0, PICTURE_SIZE - 130, PICTURE_SIZE, PICTURE_SIZE), fill=ink)
    draw.text((32, PICTURE_SIZE - 100), title[:28], fill=background, font=_font(40))
    draw.text((32, PICTURE_SIZE - 48), category.upper(), fill=background, font=_font(22))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


class PictureSource:
    """Pictures for the demo's products, already checked and with their thumbnails: drawn for
    each product in a small demo, taken from a per-category pool in a large one."""

    def __init__(self, total_products):
        self.per_product = total_products <= DRAWN_PICTURES_LIMIT
        self.pool = {}

    def pictures_for(self, item, number):
        count = 2 if self.per_product else 1
        return [self._prepared(item, number, variant) for variant in range(count)]

    def _prepared(self, item, number, variant):
        if self.per_product:
            return _prepare(draw_picture(item.name, item.category, variant))
        key = (item.category, number % POOL_PER_CATEGORY)
        if key not in self.pool:
            self.pool[key] = _prepare(draw_picture(item.category, item.category, key[1]))
        return self.pool[key]


def _prepare(data):
    """(JPEG bytes, the checked picture with its thumbnails), made once however often it is used."""
    return data, prepare_image(ContentFile(data, name="demo.jpg"), THUMBNAIL_SIZES.values())


def seed_catalogue(count=DEFAULT_PRODUCTS, *, pictures=True, shoppers=(), progress=None):
    """Make the demo's first ``count`` products that do not exist yet; returns how many were made.
    ``progress(n)`` is told as products are done (those of an earlier run first)."""
    categories = {}
    for name in CATALOGUE:
        categories[name], _ = Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "attribute_schema": ATTRIBUTE_SCHEMAS[name]})
        if not categories[name].attribute_schema:  # a category made before the demo had schemas
            categories[name].attribute_schema = ATTRIBUTE_SCHEMAS[name]
            categories[name].save(update_fields=["attribute_schema"])
    existing = set(Product.objects.values_list("sku", flat=True))
    source = PictureSource(count) if pictures else None
    rng = random.Random(SEED + 1)
    wanted = [(number, item) for number, item in enumerate(demo_products(count)) if item.sku not in existing]
    if progress:
        progress(count - len(wanted))  # made by an earlier run
    created = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        with transaction.atomic():
            products = [_create_product(item, categories[item.category], number, source) for number, item in chunk]
        # The chunk's attributes, stock and reviews reach the index in a few batches, not one commit each.
        with batched_delivery():
            for (number, _item), product in zip(chunk, products):
                detailed = number < DOCUMENT_PARTS_LIMIT
                if detailed:
                    seed_attributes(product, rng)
                seed_stock(product, rng)
                if detailed:
                    seed_reviews(product, shoppers, rng)
        created += len(products)
        if progress:
            progress(len(products))
    return created


def _create_product(item, category, number, source):
    # Generated names repeat, so their slugs carry the SKU; hand-written ones read as they are.
    generated = item.sku.startswith("DEMO-")
    slug = slugify(f"{item.name}-{item.sku}")[:200] if generated else unique_slug(item.name)
    product = Product(sku=item.sku, name=item.name, slug=slug, description=item.description,
                      category=category, price=item.price)
    product.save()
    for position, (data, prepared) in enumerate(source.pictures_for(item, number) if source else ()):
        image = ProductImage(product=product, position=position, alt_text=f"{item.name}, picture {position + 1}")
        image.prepared = prepared
        image.image = ContentFile(data, name="demo.jpg")
        image.save()
    return product


def seed_shoppers(count=DEFAULT_SHOPPERS):
    """Make the demo's shoppers (shopper01, ...) that do not exist yet; returns every demo shopper.
    They cannot sign in (no password): they are the people behind the demo's reviews."""
    User = get_user_model()
    usernames = [f"shopper{number:02d}" for number in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    rng = random.Random(SEED + 2)
    new = []
    for number, username in enumerate(usernames):
        if username in existing:
            continue
        user = User(username=username, email=f"{username}@example.com", bio=rng.choice(BIOS),
                    display_name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {chr(65 + number % 26)}.")
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
    return list(User.objects.filter(username__in=usernames).order_by("username"))


# The parts of a product whose home is the document store, written through the real services
# once its SQL row and pictures are committed, with the demo's random generator (so the shop is
# the same on every run).


def demo_attributes(schema, rng):
    """Attribute values that fit ``schema`` (as ATTRIBUTE_SCHEMAS writes them): an enum's or
    the examples' words, a number within its bounds, yes or no."""
    values = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec["type"]
        if "enum" in spec or "examples" in spec:
            values[name] = rng.choice(spec.get("enum") or spec["examples"])
        elif kind == "integer":
            values[name] = rng.randint(spec.get("minimum", 0), spec.get("maximum", 100))
        elif kind == "number":
            values[name] = round(rng.uniform(spec.get("minimum", 0), spec.get("maximum", 100)), 1)
        elif kind == "boolean":
            values[name] = rng.random() < 0.5
    return values


def seed_attributes(product, rng):
    """Attributes and specs for the product document, per the category's schema."""
    schema = product.category.attribute_schema
    if schema:
        save_attributes(product, demo_attributes(schema, rng))


def seed_stock(product, rng):
    """The product's stock in the document store: one product in SOLD_OUT_ONE_IN is sold out."""
    set_quantity(product, 0 if rng.randrange(SOLD_OUT_ONE_IN) == 0 else rng.randint(1, 120))


def seed_reviews(product, shoppers, rng):
    """One to MAX_REVIEWS reviews of the product by the demo's shoppers (none for one product in
    NO_REVIEWS_ONE_IN), 1 to 5 stars."""
    if not shoppers or rng.randrange(NO_REVIEWS_ONE_IN) == 0:
        return
    stars = list(STAR_WEIGHTS)
    for author in rng.sample(list(shoppers), min(len(shoppers), rng.randint(1, MAX_REVIEWS))):
        rating = rng.choices(stars, weights=list(STAR_WEIGHTS.values()))[0]
        Review.objects.create(product=product, author=author, rating=rating, text=rng.choice(REVIEW_TEXTS[rating]))
