#!/usr/bin/env python3
"""Write a synthetic LinkedIn data export for benchmarks and demos (never checked in).

Every name, URL and sentence is invented here: messages are put together from short
fragments per kind of sender (networking, sales, opportunity, recruiting, scam).

    make_linkedin_export.py OUT_DIR --conversations 50000          # ~50k classified messages
    make_linkedin_export.py OUT_DIR --target-bytes 1000000000       # a 1 GB messages.csv
    make_linkedin_export.py OUT_DIR --conversations 300 --zip       # a zip, as LinkedIn sends it

Each conversation opens with a message to the owner (or, one in eight, from the owner),
followed by 0-3 replies; rows are newest first, as in an export. --target-bytes keeps
adding conversations until messages.csv reaches that size, writing as it goes.
"""
import argparse
import csv
import os
import random
import zipfile
from datetime import datetime, timedelta, timezone

OWNER = ("Olivia Owner", "https://www.linkedin.com/in/olivia-owner-example")

FRAGMENTS = {
    "networking": (
        ["Hi Olivia,", "Hello!", "Hey Olivia,", "Good morning,"],
        ["great meeting you at the data meetup last week.", "we were on the same panel in Lisbon.",
         "I enjoyed your talk on pipelines.", "we studied at the same university."],
        ["Would love to stay in touch.", "Let's catch up over coffee sometime.",
         "Happy to swap notes on the project.", "Hope the new team is going well!"],
    ),
    "sales": (
        ["Hi %FIRSTNAME%,", "Hello,", "Hi Olivia,"],
        ["our analytics platform cuts reporting time in half.", "we help teams like yours save 30% on cloud costs.",
         "our CRM integrates with the tools you already use.", "I noticed your company is growing fast."],
        ["Could I book 15 minutes for a quick demo?", "Are you free for a short call this week?",
         "Can I send over pricing and a free trial?", "Worth a quick chat?"],
    ),
    "opportunity": (
        ["Hey hun!", "Hi Olivia,", "Hello friend,"],
        ["I'm building a team and thought of you right away.", "I found a way to earn passive income from home.",
         "our wellness products changed my life.", "imagine being your own boss in six months."],
        ["Interested in hearing more?", "Can I share a short video with you?",
         "Only a few spots left, let me know!", "Reply YES for details."],
    ),
    "recruiting": (
        ["Hi Olivia,", "Hello Olivia,", "Hi there,"],
        ["we are hiring a senior backend engineer for a remote team.", "I have a staff engineer role that matches your profile.",
         "our client is looking for a data platform lead.", "your background fits a position I'm recruiting for."],
        ["Would you be open to a call about the role?", "The salary range is attached, interested?",
         "Can we talk this week?", "Let me know if you are open to new opportunities."],
    ),
    "scam": (
        ["Dear user,", "Congratulations!", "Hello dear,"],
        ["you have won a prize in our annual draw.", "your account will be suspended unless you verify it.",
         "I am a lawyer handling an unclaimed inheritance in your name.", "a crypto investment tripled my savings in a week."],
        ["Send your bank details to claim it.", "Pay the small processing fee today.",
         "Click the link and enter your password.", "Reply with your phone number to proceed."],
    ),
}
KINDS = list(FRAGMENTS)
WEIGHTS = [30, 25, 10, 25, 10]
FIRST = ["Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Max", "Noor", "Otto", "Pia"]
LAST = ["Example", "Sample", "Demo", "Placeholder", "Testwell", "Fictive", "Madeup", "Invent"]
REPLIES = ["Thanks for reaching out!", "Not right now, thank you.", "Sure, let's talk.", "Could you send more details?"]
HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
          "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
          "IS MESSAGE DRAFT", "IS CONVERSATION ARCHIVED"]


def person(rng, pool):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    n = rng.randrange(pool)
    return f"{first} {last}", f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{n}-example"


def text(rng, kind, html):
    a, b, c = (rng.choice(x) for x in FRAGMENTS[kind])
    if html:
        p = '<p class="spinmail-quill-editor__spin-break">'
        return f"{p}{a}</p>{p}&nbsp;</p>{p}{b[0].upper() + b[1:]}<br>{c}</p>"
    return f"{a} {b} {c}"


def conversation(rng, i, when, pool):
    """Rows of one conversation, oldest first."""
    kind = rng.choices(KINDS, WEIGHTS)[0]
    other = person(rng, pool)
    conv = f"2-{i:012d}-example=="
    own = rng.random() < 0.125
    first_from, first_to = (OWNER, other) if own else (other, OWNER)
    html = kind == "sales" and rng.random() < 0.3
    rows = [(conv, first_from, first_to, when, text(rng, kind, html))]
    t = when
    for k in range(rng.choice([0, 0, 1, 1, 2, 3])):
        t += timedelta(minutes=rng.randrange(5, 3000))
        frm, to = (OWNER, other) if k % 2 == 0 else (other, OWNER)
        rows.append((conv, frm, to, t, rng.choice(REPLIES)))
    return rows


def row(r):
    conv, frm, to, t, content = r
    return [conv, "", frm[0], frm[1], to[0], to[1], t.strftime("%Y-%m-%d %H:%M:%S UTC"), "",
            content, "INBOX", "", "No", "No"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--target-bytes", type=int, default=0)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--zip", action="store_true", help="also write Basic_LinkedInDataExport_12-01-2025.zip")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "messages.csv")
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    span = timedelta(days=3 * 365)
    pool = 5000
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        if args.target_bytes:
            # Written in blocks of conversations, each block newest first; block after
            # block goes back in time, so the file stays newest first overall.
            i, end = 0, start + span
            while f.tell() < args.target_bytes:
                block = []
                for _ in range(2000):
                    end -= timedelta(seconds=rng.randrange(1, 600))
                    block.extend(conversation(rng, i, end, 10 * pool))
                    i += 1
                block.sort(key=lambda r: r[3], reverse=True)
                w.writerows(row(r) for r in block)
            print(f"{path}: {f.tell():,} bytes, {i:,} conversations")
        else:
            rows = []
            for i in range(args.conversations):
                when = start + timedelta(seconds=rng.randrange(int(span.total_seconds())))
                rows.extend(conversation(rng, i, when, pool))
            rows.sort(key=lambda r: r[3], reverse=True)
            w.writerows(row(r) for r in rows)
            print(f"{path}: {len(rows):,} messages, {args.conversations:,} conversations")
    inv = os.path.join(args.out, "Invitations.csv")
    with open(inv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"])
        for k in range(200):
            other = person(rng, pool)
            t = start + span - timedelta(hours=7 * k)
            sent = f"{t.month}/{t.day}/{t.year % 100:02d}, {(t.hour % 12) or 12}:{t.minute:02d} {'PM' if t.hour >= 12 else 'AM'}"
            if k % 5 == 0:
                w.writerow([OWNER[0], other[0], sent, "Hi, great to meet you today.", "OUTGOING", OWNER[1], other[1]])
            else:
                msg = "" if k % 3 == 0 else text(rng, rng.choices(KINDS, WEIGHTS)[0], False)
                w.writerow([other[0], OWNER[0], sent, msg, "INCOMING", other[1], OWNER[1]])
    if args.zip:
        z = os.path.join(args.out, "Basic_LinkedInDataExport_12-01-2025.zip")
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(path, "messages.csv")
            zf.write(inv, "Invitations.csv")
            zf.writestr("Connections.csv", "Notes:\n\"Some e-mail addresses may be missing.\"\n\n"
                        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n")
        print(z)


if __name__ == "__main__":
    main()
