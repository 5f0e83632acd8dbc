"""The demo catalogue `make run` loads: a few categories of plausible products."""

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
}
