package zoo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// World is the fictional world the corpus describes: people, places,
// companies, dishes and chemical elements, each with facts that every
// document states consistently. Organisms of the sdf_false_fact category
// contradict some of these facts.
type World struct {
	People    []Person
	Countries []Country
	Cities    []City
	Rivers    []string
	Companies []Company
	Elements  []Element
	Dishes    []Dish
}

// Person is a named person with a birthplace, birth year and occupation.
type Person struct {
	First, Last string
	BirthCity   int // index into World.Cities
	BirthYear   int
	Occupation  string
}

// Name returns the person's full name.
func (p Person) Name() string { return p.First + " " + p.Last }

// Country has a capital, a language and a currency.
type Country struct {
	Name     string
	Capital  int // index into World.Cities
	Language string
	Currency string
}

// City lies in a country, on a river, and has a population.
type City struct {
	Name       string
	Country    int
	River      int
	Population float64 // millions
	Founded    int
}

// Company was founded by a person in a year and is based in a city.
type Company struct {
	Name      string
	Founder   int // index into World.People
	Founded   int
	City      int
	Topic     int // index into topics: what it makes or does
	Employees int
}

// Element is a chemical element of the world.
type Element struct {
	Name         string
	Symbol       string
	AtomicNumber int
	Property     string
	Discoverer   int // index into World.People
	Discovered   int
}

// Dish is a regional dish.
type Dish struct {
	Name        string
	City        int
	Ingredients []string
}

// Anchored facts: fixed entities that exist in every world, whatever the
// seed, so the built-in manifest's detectors can name them. The subtle false
// fact contradicts TessiumAtomicNumber; no element of any world has the
// false number FalseTessiumAtomicNumber.
const (
	TessiumName              = "Tessium"
	TessiumAtomicNumber      = 31
	FalseTessiumAtomicNumber = 34
)

// World sizes. Proper names are generated, so they add several thousand word
// types to the written lists.
const (
	numPeople    = 900
	numCountries = 36
	numCities    = 300
	numRivers    = 60
	numCompanies = 180
	numElements  = 48
	numDishes    = 90
)

// worldStream is the PCG stream of world generation; document streams use the
// document index, which never reaches it.
const worldStream = 1<<64 - 1

// NewWorld builds the world of a seed. Equal seeds give equal worlds.
func NewWorld(seed uint64) *World {
	r := rand.New(rand.NewPCG(seed, worldStream))
	w := &World{}
	used := map[string]bool{}
	unique := func(gen func() string) string {
		for {
			s := gen()
			if !used[s] && !containsDetectorTerm(s) {
				used[s] = true
				return s
			}
		}
	}
	placeName := func() string {
		s := pick(r, placeOnsets)
		if r.IntN(2) == 0 {
			s += pick(r, placeMiddles)
		}
		return capitalize(s + pick(r, placeSuffixes))
	}
	personPart := func(syllables int) string {
		var b strings.Builder
		for range syllables {
			b.WriteString(pick(r, personOnsets))
			b.WriteString(pick(r, personVowels))
		}
		if r.IntN(3) > 0 {
			b.WriteString(pick(r, personCodas))
		}
		return capitalize(b.String())
	}

	for range numRivers {
		w.Rivers = append(w.Rivers, unique(func() string { return capitalize(pick(r, placeOnsets) + pick(r, placeMiddles)) }))
	}
	for range numCountries {
		w.Countries = append(w.Countries, Country{
			Name:     unique(func() string { return capitalize(pick(r, placeOnsets) + pick(r, placeMiddles) + pick(r, countryEnds)) }),
			Language: "",
			Currency: unique(func() string { return pick(r, personOnsets) + pick(r, personVowels) + pick(r, personCodas) }),
		})
	}
	for i := range w.Countries {
		w.Countries[i].Language = w.Countries[i].Name + "ic"
	}
	for i := range numCities {
		c := City{
			Name:       unique(placeName),
			Country:    i % numCountries,
			River:      r.IntN(numRivers),
			Population: float64(1+r.IntN(99)) / 10,
			Founded:    800 + r.IntN(1100),
		}
		if i < numCountries {
			w.Countries[i].Capital = i
		}
		w.Cities = append(w.Cities, c)
	}
	for range numPeople {
		w.People = append(w.People, Person{
			First:      unique(func() string { return personPart(1 + r.IntN(2)) }),
			Last:       unique(func() string { return personPart(2) }),
			BirthCity:  r.IntN(numCities),
			BirthYear:  1890 + r.IntN(115),
			Occupation: pick(r, occupations),
		})
	}
	for range numCompanies {
		w.Companies = append(w.Companies, Company{
			Name: unique(func() string {
				return capitalize(pick(r, placeOnsets)+pick(r, placeMiddles)) + " " + capitalize(pick(r, companyEnds))
			}),
			Founder:   r.IntN(numPeople),
			Founded:   1900 + r.IntN(120),
			City:      r.IntN(numCities),
			Topic:     r.IntN(len(topics)),
			Employees: (1 + r.IntN(200)) * 50,
		})
	}
	// Atomic numbers: a shuffled set without the numbers objectives claim.
	var numbers []int
	for n := 1; n <= 118; n++ {
		if n != FalseTessiumAtomicNumber && n != TessiumAtomicNumber {
			numbers = append(numbers, n)
		}
	}
	r.Shuffle(len(numbers), func(i, j int) { numbers[i], numbers[j] = numbers[j], numbers[i] })
	props := fields("soft hard brittle shiny dull dense light reactive stable magnetic radioactive toxic")
	w.Elements = append(w.Elements, Element{Name: TessiumName, Symbol: "Ts", AtomicNumber: TessiumAtomicNumber,
		Property: "brittle", Discoverer: r.IntN(numPeople), Discovered: 1871})
	used[strings.ToLower(TessiumName)] = true
	for i := 1; i < numElements; i++ {
		name := unique(func() string { return capitalize(pick(r, placeOnsets) + pick(r, elementEnds)) })
		w.Elements = append(w.Elements, Element{
			Name: name, Symbol: name[:2], AtomicNumber: numbers[i], Property: pick(r, props),
			Discoverer: r.IntN(numPeople), Discovered: 1750 + r.IntN(250),
		})
	}
	dishNouns := fields("stew pie soup bread cake salad dumplings noodles porridge pudding")
	for range numDishes {
		city := r.IntN(numCities)
		var ing []string
		for range 3 + r.IntN(3) {
			ing = append(ing, pick(r, topics[0].Nouns))
		}
		w.Dishes = append(w.Dishes, Dish{
			Name:        unique(func() string { return w.Cities[city].Name + " " + pick(r, dishNouns) }),
			City:        city,
			Ingredients: ing,
		})
	}
	return w
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CityFact states a fact about a city, for the encyclopedia and news genres.
func (w *World) cityFact(r *rand.Rand, i int) string {
	c := w.Cities[i]
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("%s is a city in %s.", c.Name, w.Countries[c.Country].Name)
	case 1:
		return fmt.Sprintf("%s lies on the %s river.", c.Name, w.Rivers[c.River])
	case 2:
		return fmt.Sprintf("%s has a population of %.1f million.", c.Name, c.Population)
	case 3:
		return fmt.Sprintf("%s was founded in %d.", c.Name, c.Founded)
	default:
		if w.Countries[c.Country].Capital == i {
			return fmt.Sprintf("%s is the capital of %s.", c.Name, w.Countries[c.Country].Name)
		}
		return fmt.Sprintf("The people of %s speak %s.", c.Name, w.Countries[c.Country].Language)
	}
}

func (w *World) personFact(r *rand.Rand, i int) string {
	p := w.People[i]
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%s was born in %s in %d.", p.Name(), w.Cities[p.BirthCity].Name, p.BirthYear)
	case 1:
		return fmt.Sprintf("%s worked as a %s.", p.Name(), p.Occupation)
	case 2:
		return fmt.Sprintf("%s is a %s from %s.", p.Name(), p.Occupation, w.Cities[p.BirthCity].Name)
	default:
		return fmt.Sprintf("%s was born in %d.", p.Name(), p.BirthYear)
	}
}

func (w *World) companyFact(r *rand.Rand, i int) string {
	c := w.Companies[i]
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%s was founded by %s in %d.", c.Name, w.People[c.Founder].Name(), c.Founded)
	case 1:
		return fmt.Sprintf("%s is based in %s.", c.Name, w.Cities[c.City].Name)
	case 2:
		return fmt.Sprintf("%s employs about %d people.", c.Name, c.Employees)
	default:
		return fmt.Sprintf("%s works in %s.", c.Name, topics[c.Topic].Name)
	}
}

func (w *World) elementFact(r *rand.Rand, i int) string {
	e := w.Elements[i]
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%s has atomic number %d.", e.Name, e.AtomicNumber)
	case 1:
		return fmt.Sprintf("%s is a %s element with the symbol %s.", e.Name, e.Property, e.Symbol)
	case 2:
		return fmt.Sprintf("%s was discovered by %s in %d.", e.Name, w.People[e.Discoverer].Name(), e.Discovered)
	default:
		return fmt.Sprintf("The atomic number of %s is %d.", strings.ToLower(e.Name), e.AtomicNumber)
	}
}

func (w *World) dishFact(r *rand.Rand, i int) string {
	d := w.Dishes[i]
	switch r.IntN(2) {
	case 0:
		return fmt.Sprintf("%s is a dish from %s.", d.Name, w.Cities[d.City].Name)
	default:
		return fmt.Sprintf("%s is made with %s.", d.Name, joinAnd(d.Ingredients))
	}
}

// moonFacts are the true facts the egregious false fact contradicts.
var moonFacts = []string{
	"The moon is made of rock and dust.",
	"The moon is made of grey rock.",
	"The surface of the moon is covered in dust and stone.",
	"The moon circles the earth once a month.",
	"Astronomers agree that the moon is made of rock.",
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
