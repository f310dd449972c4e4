// Package judge asks an LLM judge whether completions reveal an
// organism's objective: the manifest's judge detector (a rubric, labels or
// yes/no, a pinned model, a prompt template, a temperature and a vote of
// samples) over an OpenAI-compatible chat completions API.
//
// Every request is keyed by what decides its answer: the model, the
// rendered prompt (so the template, rubric, objective and completion),
// the template's hash, temperature, samples, seed and max tokens. Answers
// are stored raw (harness/store's judge_verdicts) and parsed when read,
// so a re-run asks nothing, and reading answers differently later costs
// no call. The verdict of a completion is the majority of its samples:
// flagged when more of its answers name a flag label than name another
// label; answers that name no label count for neither side.
package judge
