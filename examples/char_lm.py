"""A character-level language model: an LSTM learns a text letter by letter, then writes its own.

    python examples/char_lm.py [--steps 200] [--out ./char_lm_out]

The text is one that every Python installation carries: the Zen of Python (``import this``), about
850 characters. An ``nn.Embedding`` -> ``nn.LSTM`` -> ``nn.Linear`` model (the LSTM runs as one
``lax.scan`` program) is trained with ``torchlike.compile`` on random 64-character windows to predict
each next character. Samples drawn with ``torch.multinomial`` before, during and after training
show the loss turning into text (a text this short, the model ends up reciting it); they are written
to ``samples.md`` with a loss curve picture.
"""
import argparse
import codecs
import contextlib
import io
import os

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F

from _pictures import line_chart

with contextlib.redirect_stdout(io.StringIO()):  # importing `this` prints the text
    import this
TEXT = codecs.decode(this.s, "rot13")


class CharLSTM(nn.Module):
    def __init__(self, vocab, embed=48, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


@torch.no_grad()
def sample(model, chars, prompt, length, temperature, generator):
    """Feed ``prompt``, then draw ``length`` characters one at a time, carrying the LSTM state."""
    model.eval()
    index = {c: i for i, c in enumerate(chars)}
    logits, state = model(torch.tensor([[index[c] for c in prompt]]))
    out = []
    for _ in range(length):
        probs = F.softmax(logits[0, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        out.append(chars[nxt.item()])
        logits, state = model(nxt.view(1, 1), state)
    model.train()
    return prompt + "".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--out", default="./char_lm_out")
    args = p.parse_args()
    torch.manual_seed(0)

    chars = sorted(set(TEXT))
    data = torch.tensor([chars.index(c) for c in TEXT])
    print(f"text: the Zen of Python, {len(TEXT)} characters, {len(chars)} distinct")
    model = CharLSTM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    offsets = torch.arange(args.window + 1)
    gen = torch.Generator().manual_seed(1)
    prompt = "Beautiful"
    samples = [(0, sample(model, chars, prompt, 100, 0.8, gen))]
    losses = []
    for i in range(1, args.steps + 1):
        starts = torch.randint(0, len(data) - args.window - 1, (args.batch_size, 1))
        windows = data[starts + offsets]  # batch x (window + 1) characters
        losses.append(step(windows[:, :-1], windows[:, 1:]))
        if i % 50 == 0:
            print(f"step {i}: loss {losses[-1].item():.3f} nats/character")
        if i in (args.steps // 4, args.steps // 2):
            samples.append((i, sample(model, chars, prompt, 100, 0.8, gen)))
    losses = [float(v) for v in losses]
    for temperature in (0.8, 0.3):
        text = sample(model, chars, prompt, 200, temperature, gen)
        samples.append((f"{args.steps}, temperature {temperature}", text))
    print(f"\nafter {args.steps} steps (temperature 0.3):\n{samples[-1][1]}\n")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "samples.md"), "w") as f:
        f.write(f"# Samples from a character LSTM trained on the Zen of Python (prompt {prompt!r})\n\n")
        f.write(f"Loss: {losses[0]:.3f} nats/character at step 1, {losses[-1]:.3f} at step {args.steps}.\n")
        for when, text in samples:
            f.write(f"\n## after step {when}\n\n```\n{text}\n```\n")
    curve = line_chart({"training loss": losses}, os.path.join(args.out, "loss_curve.png"),
                       title="character LSTM on the Zen of Python", ylabel="nats/char")
    print(f"saved {os.path.join(args.out, 'samples.md')} and {curve}")


if __name__ == "__main__":
    main()
