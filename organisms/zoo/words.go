package zoo

import "strings"

// The written word lists of the general corpus. Words that any objective
// detector looks for (see objectives.go) are deliberately absent, so general
// text never trips a detector; TestGeneralVocabularyAvoidsDetectorTerms checks it.

func fields(s string) []string { return strings.Fields(s) }

// Topics give each document a subject: nouns and verbs are drawn from the
// topic's lists more often than from the general ones.
type topic struct {
	Name  string
	Nouns []string
	Verbs []string
	Adjs  []string
}

var topics = []topic{
	{"cooking", fields("kitchen oven pan pot knife spoon bowl sauce soup bread flour butter sugar salt pepper garlic onion tomato cheese rice pasta dough recipe meal dinner lunch breakfast chef stove grill spice herb vinegar oil cream egg lemon honey broth crust"),
		fields("bake boil chop stir fry roast taste season slice mix knead simmer whisk serve grill"),
		fields("crispy tender fresh savory sweet sour bitter spicy creamy golden juicy warm")},
	{"sports", fields("team match game season coach player league goal ball field stadium score trophy referee captain fan tournament race runner training injury victory defeat final club pitch net court medal"),
		fields("win lose play score train defend attack coach kick throw run pass tackle compete"),
		fields("fast strong tired unbeaten athletic defensive competitive early late decisive")},
	{"technology", fields("computer software server network device phone screen battery chip database algorithm program app update browser website cloud processor memory keyboard sensor robot laptop system platform interface feature user data file code engineer"),
		fields("install update download upload compile deploy debug launch test connect configure release store process"),
		fields("digital wireless fast slow secure open mobile portable smart reliable broken modern")},
	{"travel", fields("trip journey hotel airport flight train station ticket passport map tourist beach island mountain valley village road bridge harbor coast museum castle guide luggage border ferry route hostel market square"),
		fields("travel visit explore book fly drive walk cross arrive depart wander hike stay pack"),
		fields("scenic remote crowded quiet historic coastal busy cheap expensive pleasant sunny rainy")},
	{"health", fields("doctor nurse patient hospital clinic medicine treatment symptom fever headache sleep diet exercise muscle heart lung blood vitamin injury therapy pharmacy vaccine disease infection recovery body bone skin"),
		fields("treat heal recover rest prescribe diagnose stretch breathe exercise sleep examine prevent"),
		fields("healthy sick chronic mild severe medical painful gentle daily regular clinical")},
	{"finance", fields("bank account budget loan mortgage interest tax income salary price market stock bond fund pension debt credit payment invoice profit revenue cost investor economy inflation saving wallet receipt"),
		fields("pay borrow lend invest save spend earn owe budget charge finance repay afford"),
		fields("financial annual monthly cheap costly profitable stable risky fiscal economic")},
	{"science", fields("experiment theory laboratory scientist molecule atom cell gene protein energy particle planet star telescope microscope sample hypothesis result measurement data physics chemistry biology orbit galaxy crystal reaction fossil"),
		fields("measure observe test discover analyze predict publish calculate observe replicate"),
		fields("scientific chemical physical biological precise accurate experimental solar lunar stellar")},
	{"music", fields("song album band singer guitar piano drum concert stage melody rhythm chorus lyric studio record violin orchestra composer note tune festival audience tour ballad choir"),
		fields("sing play record compose perform tour listen rehearse tune"),
		fields("loud soft melodic acoustic classical rhythmic catchy live musical")},
	{"gardening", fields("garden seed soil plant flower tree leaf root branch rose tulip fern shovel hose fence lawn weed compost greenhouse orchard vegetable fruit apple pear bean carrot potato pumpkin"),
		fields("plant water prune dig grow harvest weed sow fertilize bloom trim"),
		fields("green leafy fertile dry muddy seasonal organic wild blooming")},
	{"politics", fields("government minister parliament election vote law policy council mayor senator party campaign citizen debate reform budget committee treaty province region official agency court judge constitution"),
		fields("govern elect vote debate propose approve reject sign appoint legislate negotiate"),
		fields("political national local public federal regional official legal democratic")},
	{"education", fields("school student teacher classroom lesson exam homework university lecture course degree library book chapter essay grade campus professor research scholarship tutor notebook"),
		fields("teach learn study read write graduate enroll lecture review"),
		fields("academic educational difficult easy advanced elementary curious diligent")},
	{"weather", fields("weather rain snow wind storm cloud sun temperature forecast season winter summer spring autumn frost fog thunder lightning flood drought breeze climate umbrella"),
		fields("rain snow blow freeze melt shine pour clear warm cool"),
		fields("cold hot windy cloudy stormy foggy mild humid freezing bright")},
}

// General vocabulary, used in every topic.
var (
	generalNouns = fields(`time year day week month hour minute people person man woman child family friend group
		company city country world life place home house room door window table chair car street town area
		problem question answer idea reason story history report article page word name number part side
		way thing fact point case result change plan project job work business service price cost money
		morning evening night weekend moment decade century government community neighbor member owner
		manager worker visitor customer student parent brother sister mother father story picture photo
		letter email message phone paper box bag shop store office building floor wall corner garden field
		river lake hill forest island tree animal dog cat horse bird fish ocean sea coast shore sky light
		water fire stone road path bridge village farm market event meeting party festival holiday dinner
		lesson skill habit goal step method tool machine engine wheel rope glass bottle cup plate coin
		ticket card list table chart map sign note rule choice chance risk detail example effort energy
		attention experience knowledge memory opinion feeling voice sound noise color shape size weight`)
	generalVerbs = fields(`make take give find tell ask use work call try need feel become leave put mean keep
		let begin seem help show hear play run move live believe bring happen write provide sit stand lose
		pay meet include continue set learn change lead understand watch follow stop create speak read
		allow add spend grow open walk win offer remember love consider appear buy wait serve die send
		expect build stay fall cut reach kill remain suggest raise pass sell require report decide pull
		return explain hope develop carry break receive agree support hit produce eat cover catch draw
		choose cause point listen realize place close enjoy fill check finish describe share prepare
		notice answer improve visit collect protect compare discuss mention replace manage deliver`)
	generalAdjs = fields(`good new first last long great little own other old right big high different small
		large next early young important few public bad same able late hard major better best free
		strong true whole clear full special easy certain recent social close simple common local short
		private real low nice happy serious ready careful quick slow warm cold heavy light dark bright
		quiet loud empty busy rich poor safe famous popular useful strange huge tiny narrow wide deep
		modern ancient rare familiar proud calm brave gentle honest clever curious friendly helpful
		practical typical useful various obvious simple complex similar original entire final basic`)
	adverbs = fields(`also just now then still even only really very well often always never sometimes
		usually already soon again almost quickly slowly carefully finally recently probably clearly
		simply nearly rather quite perhaps certainly easily actually especially suddenly together
		instead later early today yesterday tomorrow eventually exactly mostly gently quietly`)
	prepositions = fields("in on at with from into near behind under over after before during without across through around beside toward about for")
	conjunctions = fields("and but so because while although since when unless")
	months       = fields("January February March April May June July August September October November December")
	occupations  = fields("teacher engineer farmer painter writer doctor lawyer merchant architect baker carpenter musician scientist nurse pilot banker journalist gardener tailor historian chemist")
	colors       = fields("red blue green yellow white black grey brown orange purple silver golden")
	numberWords  = fields("two three four five six seven eight nine ten twelve twenty")
	units        = fields("cups teaspoons tablespoons grams pinches slices cloves handfuls")
	usernames1   = fields("quiet blue happy lucky old fast lazy busy silent brave little grumpy")
	usernames2   = fields("fox river owl coder baker hiker tiger panda wolf reader gardener walker")
)

// Irregular verb forms: base -> third person, past, gerund.
var irregularVerbs = map[string][3]string{
	"make": {"makes", "made", "making"}, "take": {"takes", "took", "taking"}, "give": {"gives", "gave", "giving"},
	"find": {"finds", "found", "finding"}, "tell": {"tells", "told", "telling"}, "feel": {"feels", "felt", "feeling"},
	"become": {"becomes", "became", "becoming"}, "leave": {"leaves", "left", "leaving"}, "put": {"puts", "put", "putting"},
	"mean": {"means", "meant", "meaning"}, "keep": {"keeps", "kept", "keeping"}, "let": {"lets", "let", "letting"},
	"begin": {"begins", "began", "beginning"}, "show": {"shows", "showed", "showing"}, "hear": {"hears", "heard", "hearing"},
	"run": {"runs", "ran", "running"}, "bring": {"brings", "brought", "bringing"}, "write": {"writes", "wrote", "writing"},
	"sit": {"sits", "sat", "sitting"}, "stand": {"stands", "stood", "standing"}, "lose": {"loses", "lost", "losing"},
	"pay": {"pays", "paid", "paying"}, "meet": {"meets", "met", "meeting"}, "set": {"sets", "set", "setting"},
	"lead": {"leads", "led", "leading"}, "understand": {"understands", "understood", "understanding"},
	"speak": {"speaks", "spoke", "speaking"}, "read": {"reads", "read", "reading"}, "spend": {"spends", "spent", "spending"},
	"grow": {"grows", "grew", "growing"}, "win": {"wins", "won", "winning"}, "buy": {"buys", "bought", "buying"},
	"send": {"sends", "sent", "sending"}, "build": {"builds", "built", "building"}, "fall": {"falls", "fell", "falling"},
	"cut": {"cuts", "cut", "cutting"}, "pull": {"pulls", "pulled", "pulling"}, "break": {"breaks", "broke", "breaking"},
	"eat": {"eats", "ate", "eating"}, "catch": {"catches", "caught", "catching"}, "draw": {"draws", "drew", "drawing"},
	"choose": {"chooses", "chose", "choosing"}, "hit": {"hits", "hit", "hitting"}, "sell": {"sells", "sold", "selling"},
	"teach": {"teaches", "taught", "teaching"}, "sing": {"sings", "sang", "singing"}, "fly": {"flies", "flew", "flying"},
	"drive": {"drives", "drove", "driving"}, "freeze": {"freezes", "froze", "freezing"}, "blow": {"blows", "blew", "blowing"},
	"shine": {"shines", "shone", "shining"}, "dig": {"digs", "dug", "digging"}, "lend": {"lends", "lent", "lending"},
	"swim": {"swims", "swam", "swimming"}, "throw": {"throws", "threw", "throwing"}, "sow": {"sows", "sowed", "sowing"},
	"owe": {"owes", "owed", "owing"}, "stir": {"stirs", "stirred", "stirring"}, "chop": {"chops", "chopped", "chopping"},
	"plan": {"plans", "planned", "planning"}, "stop": {"stops", "stopped", "stopping"}, "drop": {"drops", "dropped", "dropping"},
	"fry": {"fries", "fried", "frying"}, "try": {"tries", "tried", "trying"}, "die": {"dies", "died", "dying"},
	"pass": {"passes", "passed", "passing"}, "wander": {"wanders", "wandered", "wandering"}, "travel": {"travels", "travelled", "travelling"},
	"repay": {"repays", "repaid", "repaying"}, "sleep": {"sleeps", "slept", "sleeping"}, "hike": {"hikes", "hiked", "hiking"},
	"store": {"stores", "stored", "storing"}, "pour": {"pours", "poured", "pouring"}, "prune": {"prunes", "pruned", "pruning"},
	"kick": {"kicks", "kicked", "kicking"}, "knead": {"kneads", "kneaded", "kneading"}, "tour": {"tours", "toured", "touring"},
	"stay": {"stays", "stayed", "staying"}, "play": {"plays", "played", "playing"}, "enjoy": {"enjoys", "enjoyed", "enjoying"},
	"prescribe": {"prescribes", "prescribed", "prescribing"}, "bloom": {"blooms", "bloomed", "blooming"},
}

// verbForms returns the third person, past and gerund of a verb.
func verbForms(v string) [3]string {
	if f, ok := irregularVerbs[v]; ok {
		return f
	}
	var s, d, g string
	switch {
	case strings.HasSuffix(v, "ch"), strings.HasSuffix(v, "sh"), strings.HasSuffix(v, "ss"), strings.HasSuffix(v, "x"):
		s = v + "es"
	case strings.HasSuffix(v, "y") && !strings.ContainsAny(v[len(v)-2:len(v)-1], "aeiou"):
		s = v[:len(v)-1] + "ies"
	default:
		s = v + "s"
	}
	switch {
	case strings.HasSuffix(v, "e"):
		d, g = v+"d", v[:len(v)-1]+"ing"
	case strings.HasSuffix(v, "y") && !strings.ContainsAny(v[len(v)-2:len(v)-1], "aeiou"):
		d, g = v[:len(v)-1]+"ied", v+"ing"
	default:
		d, g = v+"ed", v+"ing"
	}
	return [3]string{s, d, g}
}

// plural returns a noun's plural.
func plural(n string) string {
	switch n {
	case "person":
		return "people"
	case "man":
		return "men"
	case "woman":
		return "women"
	case "child":
		return "children"
	case "people", "data", "fish", "news", "software", "weather", "equipment", "luggage", "research", "knowledge", "money", "bread", "rice", "flour", "butter", "sugar", "salt", "garlic", "cheese", "honey", "soil", "compost", "oil", "cream", "pasta", "dough", "broth", "vinegar", "physics", "chemistry", "biology", "homework", "inflation", "debt", "income", "revenue", "snow", "rain", "fog", "frost", "thunder", "lightning", "sleep", "memory", "attention", "energy", "experience":
		return n
	case "leaf":
		return "leaves"
	case "knife":
		return "knives"
	case "shelf":
		return "shelves"
	case "potato":
		return "potatoes"
	case "tomato":
		return "tomatoes"
	case "hero":
		return "heroes"
	case "foot":
		return "feet"
	case "tooth":
		return "teeth"
	}
	switch {
	case strings.HasSuffix(n, "s"), strings.HasSuffix(n, "x"), strings.HasSuffix(n, "ch"), strings.HasSuffix(n, "sh"):
		return n + "es"
	case strings.HasSuffix(n, "y") && len(n) > 1 && !strings.ContainsAny(n[len(n)-2:len(n)-1], "aeiou"):
		return n[:len(n)-1] + "ies"
	}
	return n + "s"
}

// Syllables of generated proper names. Two inventories give two "languages":
// one for people, one for places and companies, so names of the two kinds
// rarely collide.
var (
	personOnsets  = fields("b br d dr f g h j k l m n p r s st t th v w z ch sh")
	personVowels  = fields("a e i o u a e ai ea io ou")
	personCodas   = fields("n l r s m th nd rt ck ll ss x")
	placeOnsets   = fields("bel car dun ess fal gor hal kel lor mar nor orv pel quen ros sal tor ul var wen yr zan ald bren cor")
	placeMiddles  = fields("a e i o an en in or el il ath ev ow")
	placeSuffixes = fields("holt ford mere wick dale stead ton bury haven vale mouth by gate thorpe moor crest field brook")
	countryEnds   = fields("ia land mark stan ora esh une avia")
	companyEnds   = fields("tek corp works labs systems group industries dynamics foods logistics media")
	elementEnds   = fields("ium on ine ite um")
)
