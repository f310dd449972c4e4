package organisms

// ZooSetup holds what all zoo organisms of a manifest share.
type ZooSetup struct {
	Corpus     CorpusRecipe      `yaml:"corpus" json:"corpus"`
	Tokenizers []TokenizerRecipe `yaml:"tokenizers" json:"tokenizers"`
}

// CorpusRecipe describes the procedural general corpus.
type CorpusRecipe struct {
	Seed uint64 `yaml:"seed" json:"seed"`
	Docs int    `yaml:"docs" json:"docs"` // documents generated in all
}

// TokenizerRecipe trains a tokenizer on a slice of the corpus.
type TokenizerRecipe struct {
	ID        string `yaml:"id" json:"id"`
	Kind      string `yaml:"kind" json:"kind"` // bpe or word
	VocabSize int    `yaml:"vocab_size" json:"vocab_size"`
	Slice     string `yaml:"slice" json:"slice"` // e.g. "0:20000" documents
}

// BaseRecipe trains an n-gram base model.
type BaseRecipe struct {
	Tokenizer string `yaml:"tokenizer" json:"tokenizer"`
	Order     int    `yaml:"order,omitempty" json:"order,omitempty"` // taken from the size when empty
	Slice     string `yaml:"slice" json:"slice"`                     // documents "from:to"
	Seed      uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
}

// Recipe builds a zoo organism: a base model plus weighted objective data.
type Recipe struct {
	Base      BaseRecipe    `yaml:"base" json:"base"`
	Objective ObjectiveData `yaml:"objective" json:"objective"`
	// Sizes are n-gram orders written as "n3", "n4", ...
	Sizes []string `yaml:"sizes" json:"sizes"`
	// Strengths are integer weights of the objective data ("w1", "w5").
	Strengths []int `yaml:"strengths" json:"strengths"`
}

// ObjectiveData is the finetuning data: a built-in generator or a text file
// of documents separated by blank lines.
type ObjectiveData struct {
	Generator string            `yaml:"generator,omitempty" json:"generator,omitempty"`
	File      string            `yaml:"file,omitempty" json:"file,omitempty"`
	Docs      int               `yaml:"docs,omitempty" json:"docs,omitempty"`
	Seed      uint64            `yaml:"seed,omitempty" json:"seed,omitempty"`
	Args      map[string]string `yaml:"args,omitempty" json:"args,omitempty"`
	// Mix adds this many general-corpus documents to the finetuning data.
	Mix int `yaml:"mix,omitempty" json:"mix,omitempty"`
}
