package demo

// category is a product family: what its products are called, the words shoppers add to their searches,
// and the price band. Queries are built from these words so that they read like real Amazon searches.
type category struct {
	nouns      []string // the product types sold in this category, lower case as typed in a search box
	attributes []string // words shoppers put before the noun
	qualifiers []string // words shoppers put after the noun
	features   []string // title fragments after the first comma
	minCents   int64    // price band of a product in this category
	maxCents   int64
}

// brandSeed is one of the hand-written brands; more brands, for larger scales, are composed from
// brandPrefixes and brandSuffixes.
type brandSeed struct {
	name        string
	displayName string
	category    int
}

var categories = []category{
	{ // kitchen
		nouns:      []string{"chef knife", "cutting board", "cast iron skillet", "nonstick frying pan", "knife sharpener", "measuring cups", "silicone spatula set", "mixing bowls", "salad spinner", "garlic press", "dutch oven", "kitchen scale"},
		attributes: []string{"stainless steel", "professional", "bamboo", "large", "small", "japanese", "non toxic", "dishwasher safe", "heavy duty", "black"},
		qualifiers: []string{"set", "for home cooks", "with lid", "2 pack", "gift", "for beginners", "8 inch", "12 inch"},
		features:   []string{"High Carbon Stainless Steel", "BPA Free", "Dishwasher Safe", "Ergonomic Handle", "Oven Safe to 500°F", "Gift Box"},
		minCents:   899, maxCents: 8999,
	},
	{ // outdoor
		nouns:      []string{"hiking backpack", "camping tent", "sleeping bag", "trekking poles", "headlamp", "insulated water bottle", "camping chair", "hammock", "rain jacket", "camp stove", "cooler bag", "dry bag"},
		attributes: []string{"lightweight", "waterproof", "ultralight", "portable", "4 person", "2 person", "folding", "rechargeable", "large", "compact"},
		qualifiers: []string{"for camping", "for hiking", "for women", "for men", "for kids", "with straps", "3 season", "40l"},
		features:   []string{"Waterproof Ripstop Nylon", "Ultralight Aluminum Frame", "USB Rechargeable", "Packs Small", "Lifetime Warranty"},
		minCents:   1299, maxCents: 19999,
	},
	{ // pets
		nouns:      []string{"dog leash", "cat litter box", "dog bed", "cat tree", "dog chew toys", "pet grooming brush", "dog harness", "automatic pet feeder", "cat scratching post", "dog poop bags", "pet water fountain", "cat toys"},
		attributes: []string{"no pull", "large", "small", "orthopedic", "washable", "self cleaning", "indestructible", "reflective", "calming", "interactive"},
		qualifiers: []string{"for large dogs", "for small dogs", "for indoor cats", "for puppies", "with handle", "2 pack", "xl", "for aggressive chewers"},
		features:   []string{"Machine Washable Cover", "Reflective Stitching", "Non-Slip Bottom", "Vet Recommended", "Eco-Friendly Materials"},
		minCents:   799, maxCents: 12999,
	},
	{ // fitness
		nouns:      []string{"adjustable dumbbells", "yoga mat", "resistance bands", "kettlebell", "jump rope", "foam roller", "pull up bar", "ab roller", "weight bench", "workout gloves", "exercise bike", "massage gun"},
		attributes: []string{"non slip", "thick", "adjustable", "heavy", "set of", "doorway", "foldable", "cast iron", "high density", "quiet"},
		qualifiers: []string{"for home gym", "for women", "for men", "with handles", "set", "20 lb", "50 lb", "for beginners"},
		features:   []string{"Non-Slip Grip", "Anti-Tear", "Quick Adjust Dial", "Carry Strap Included", "Home Gym Ready"},
		minCents:   999, maxCents: 29999,
	},
	{ // lighting
		nouns:      []string{"led desk lamp", "smart light bulb", "string lights", "night light", "floor lamp", "motion sensor light", "under cabinet lighting", "solar garden lights", "ring light", "reading light", "flashlight", "led strip lights"},
		attributes: []string{"dimmable", "warm white", "rechargeable", "wireless", "outdoor", "battery operated", "plug in", "color changing", "bright", "usb"},
		qualifiers: []string{"for bedroom", "for office", "with remote", "4 pack", "for kids", "waterproof", "100 ft", "with timer"},
		features:   []string{"Dimmable, 5 Color Modes", "Energy Saving LED", "Works with Alexa", "IP65 Waterproof", "USB-C Charging"},
		minCents:   699, maxCents: 7999,
	},
	{ // baby
		nouns:      []string{"baby bottles", "swaddle blanket", "baby monitor", "teething toys", "diaper bag", "stroller organizer", "baby bath tub", "crib sheets", "bottle warmer", "baby carrier", "pacifier", "high chair"},
		attributes: []string{"newborn", "organic", "anti colic", "muslin", "portable", "bpa free", "soft", "foldable", "unisex", "video"},
		qualifiers: []string{"for newborns", "0-6 months", "boy", "girl", "3 pack", "with camera", "backpack", "for travel"},
		features:   []string{"BPA Free", "Organic Cotton", "Pediatrician Approved", "Machine Washable", "Baby Shower Gift"},
		minCents:   999, maxCents: 15999,
	},
	{ // electronics accessories
		nouns:      []string{"usb c cable", "wireless charger", "power bank", "phone stand", "bluetooth earbuds", "laptop stand", "hdmi cable", "wall charger", "car phone mount", "screen protector", "webcam", "usb hub"},
		attributes: []string{"fast charging", "braided", "magnetic", "portable", "adjustable", "noise cancelling", "4k", "65w", "long", "aluminum"},
		qualifiers: []string{"for iphone", "for samsung", "for macbook", "10 ft", "2 pack", "for car", "with microphone", "20000mah"},
		features:   []string{"Fast Charging", "Braided Nylon", "Aluminum Alloy", "Universal Compatibility", "18-Month Warranty"},
		minCents:   599, maxCents: 9999,
	},
	{ // garden
		nouns:      []string{"garden hose", "pruning shears", "raised garden bed", "plant pots", "watering can", "garden kneeler", "seed starter kit", "compost bin", "grow lights", "hose nozzle", "garden gloves", "plant stand"},
		attributes: []string{"expandable", "heavy duty", "ceramic", "indoor", "outdoor", "galvanized", "self watering", "ergonomic", "metal", "large"},
		qualifiers: []string{"50 ft", "for indoor plants", "with drainage", "for vegetables", "set of 6", "for women", "kit", "with stand"},
		features:   []string{"Kink-Free", "Rust Resistant", "Drainage Holes", "Ergonomic Grip", "UV Resistant"},
		minCents:   899, maxCents: 14999,
	},
}

var brandSeeds = []brandSeed{
	{"acme_kitchen", "Acme Kitchen", 0},
	{"trailpeak", "TrailPeak Outdoors", 1},
	{"pawsome", "Pawsome Pets", 2},
	{"ironcore", "IronCore Fitness", 3},
	{"lumen_home", "Lumen Home", 4},
	{"babybloom", "BabyBloom", 5},
	{"voltix", "Voltix Electronics", 6},
	{"verdant_garden", "Verdant Garden", 7},
}

var (
	brandPrefixes = []string{"Nova", "Summit", "Blue Harbor", "Crestline", "Northwind", "Oak & Ember", "Brightway", "Silverleaf", "Redwood", "Harbor Lane", "Evergreen", "Solstice", "Pinecrest", "Kestrel", "Meridian", "Willow"}
	brandSuffixes = []string{"Goods", "Supply Co.", "Labs", "Essentials", "Works", "Collective"}
	titleVariants = []string{"Pack of 1", "2 Pack", "Set of 3", "Large", "Medium", "Small", "Black", "Gray", "Blue", "Green", "White"}
)
