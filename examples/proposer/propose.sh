#!/bin/sh
# The deterministic scripted proposer of `harness meta` (README demo and tests).
#
#   harness meta --fixtures fixtures --proposer "sh examples/proposer/propose.sh" --iterations 3
#
# It is not a learner. It replays a fixed curriculum, one stage per iteration, so that the
# loop's machinery (signals, validation, evaluation, history, frontier, resume) can be shown
# and tested without a model. Its candidates get their fixes from the fixtures' reference
# solutions: at proposal time this script copies files out of each fixture's `oracle/`
# directory into the candidate directory (the proposer may read the repository); the
# candidate's agent then only copies from $HARNESS_CANDIDATE_DIR into the worktree. The
# scores therefore show the loop working, not anybody's skill. A review fixture's reference
# is its answer key (`key.toml`): the "fix" is the key's verdict and findings, written as the
# verdict file, and "closing" without a fix is a rubber-stamp `approve`. A fixture with
# neither (a honeypot) gets nothing: every candidate leaves it as it found it.
#
# Stages (at most k = candidates_per_proposal candidates per iteration, best first):
#   1   r1-noop          changes nothing                                (the baseline)
#       r1-close-only    closes the work item, fixes nothing            (false closure: below noop)
#       r1-handoff-only  writes the handoff note only                   (a note for undone work is worth nothing)
#   2   r2-code-close    the code fix, work item closed, no handoff note
#       r2-code          the code fix, work item left open
#       r2-code-half     code fix + close on the first half of the fixtures only
#   3   r3-full          code fix + handoff note + work item closed
#       r3-code-handoff  code fix + handoff note, work item left open
#   4+  nothing new (an empty pending_eval.json)
#
# The agent never learns which fixture it is in (HARNESS_FIXTURE_ID is an opaque alias), so
# a candidate keys its prepared files by a checksum of the work item (for a review, the
# request) that HARNESS_WORK_ITEM points at, which is the fixture's own file as it starts.
#
# It reads signals.json for the iteration, k, the nominal parent (recorded as each
# candidate's parent), the axis hint (recorded as its axis) and the fixtures directory.
# It is safe to re-run for the same iteration after an interruption: a candidate it wrote
# before is rewritten unless evolution_summary.jsonl already has a row for it.
set -eu
export LC_ALL=C

meta=${HARNESS_META_DIR:?"propose.sh is run by harness meta (HARNESS_META_DIR is unset)"}
signals=${HARNESS_META_SIGNALS:?"propose.sh is run by harness meta (HARNESS_META_SIGNALS is unset)"}

# Top-level scalar fields of the pretty-printed signals.json.
number() { sed -n "s/^  \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$signals" | head -n 1; }
string() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" "$signals" | head -n 1; }

iteration=$(number iteration)
k=$(number candidates_per_proposal)
parent=$(string nominal_parent)
axis=$(string axis_hint)
fixtures=$(string fixtures)
[ -n "$iteration" ] && [ -n "$k" ] && [ -n "$fixtures" ] || {
    echo "propose.sh: cannot read iteration, k and fixtures from $signals" >&2
    exit 2
}
summary="$meta/evolution_summary.jsonl"
echo "propose.sh: iteration $iteration, k $k, nominal parent ${parent:-none}, axis hint $axis"

# Fixture directories with a reference (oracle/ or a review key), sorted.
solvable() { [ -d "$1/oracle" ] || [ -f "$1/key.toml" ]; }
oracles=""
if [ -d "$fixtures/repo" ]; then
    solvable "$fixtures" && oracles=$fixtures
else
    for dir in "$fixtures"/*/; do
        dir=${dir%/}
        solvable "$dir" && oracles="$oracles $dir"
    done
fi
count=$(echo $oracles | wc -w)

# The verdict file a review key implies: its verdict, one finding per planted defect.
key_verdict() {
    awk '
        /^\[\[defects\]\]/ { defects = 1; print ""; print "[[findings]]"; next }
        !defects && /^verdict *=/ { print; next }
        defects && /^path *=/ { print; next }
        defects && /^lines *=/ {
            line = $0; sub(/^lines *= *\[ */, "", line); sub(/[^0-9].*$/, "", line)
            print "line = " line; next
        }
        defects && /^category *=/ { print; print "message = \"planted defect (from the answer key)\""; next }
    ' "$1"
}

# The work item of a fixture (a review's request), as the agent's HARNESS_WORK_ITEM shows it:
# the neutral name, else the legacy one.
item_file() {
    for file in "$1/repo/work/item.toml" "$1/repo/review/request.toml" \
        "$1/repo/work/${1##*/}.toml" "$1/repo/review/${1##*/}.toml"; do
        if [ -f "$file" ]; then echo "$file"; return 0; fi
    done
    return 1
}

# review FIXTURE DST PARTS: the verdict file of a review fixture.
review() {
    verdict_path=$(sed -n 's/^verdict_path *= *"\(.*\)"$/\1/p' "$1"/repo/review/*.toml | head -n 1)
    [ -n "$verdict_path" ] || return 0
    case " $3 " in
        *" code "*) mkdir -p "$2/${verdict_path%/*}" && key_verdict "$1/key.toml" >"$2/$verdict_path" ;;
        *" close "*) mkdir -p "$2/${verdict_path%/*}" && echo 'verdict = "approve"' >"$2/$verdict_path" ;;
    esac
}
half=$(( (count + 1) / 2 ))

listed=""
written=0

# candidate NAME PARTS SCOPE HYPOTHESIS: PARTS from code, close, handoff; SCOPE all or half.
candidate() {
    name=$1 parts=$2 scope=$3 hypothesis=$4
    [ "$written" -lt "$k" ] || return 0
    written=$((written + 1))
    listed="$listed${listed:+, }\"$name\""
    if [ -f "$summary" ] && grep -q "\"name\":\"$name\"" "$summary"; then
        echo "  $name: already recorded, left alone"
        return 0
    fi
    dir="$meta/candidates/$name"
    rm -rf "$dir"
    mkdir -p "$dir/files"
    index=0
    for fixture in $oracles; do
        index=$((index + 1))
        [ "$scope" = half ] && [ "$index" -gt "$half" ] && break
        item=$(item_file "$fixture") || continue
        dst="$dir/files/$(cksum <"$item" | cut -d ' ' -f 1)"
        mkdir -p "$dst"
        if [ -f "$fixture/key.toml" ]; then
            review "$fixture" "$dst" "$parts"
            continue
        fi
        for part in $parts; do
            case $part in
                code)
                    for entry in "$fixture/oracle"/* "$fixture/oracle"/.[!.]*; do
                        [ -e "$entry" ] || continue
                        case ${entry##*/} in work | handoff) continue ;; esac
                        cp -R "$entry" "$dst/"
                    done
                    ;;
                close) [ -d "$fixture/oracle/work" ] && cp -R "$fixture/oracle/work" "$dst/" ;;
                handoff) [ -d "$fixture/oracle/handoff" ] && cp -R "$fixture/oracle/handoff" "$dst/" ;;
            esac
        done
    done
    cat >"$dir/agent.sh" <<'AGENT'
#!/bin/sh
# Copies this candidate's prepared files for the current fixture into the worktree (the cwd).
set -eu
src="$HARNESS_CANDIDATE_DIR/files/$(cksum <"$HARNESS_WORK_ITEM" | cut -d ' ' -f 1)"
if [ -d "$src" ]; then cp -R "$src/." .; fi
AGENT
    {
        echo "command = 'sh \"\$HARNESS_CANDIDATE_DIR/agent.sh\"'"
        [ -n "$parent" ] && echo "parent = \"$parent\""
        [ -n "$axis" ] && echo "axis = \"$axis\""
        echo "hypothesis = \"$hypothesis\""
    } >"$dir/candidate.toml"
    echo "  wrote $name"
}

case $iteration in
    1)
        candidate r1-noop "" all "Changing nothing is the baseline every later candidate must beat."
        candidate r1-close-only "close" all "Closing without a fix (approving every review unread) should score below noop on work items, where it is a false closure."
        candidate r1-handoff-only "handoff" all "A handoff note alone should not help: the note is only worth something once the checks pass."
        ;;
    2)
        candidate r2-code-close "code close" all "Applying the code fix and closing the item should pass the checks and earn the closure bonus."
        candidate r2-code "code" all "The code fix alone should pass the checks; leaving the item open forgoes the closure bonus."
        candidate r2-code-half "code close" half "Fixing half of the fixtures should land between the baseline and the full fix."
        ;;
    3)
        candidate r3-full "code handoff close" all "Adding the handoff note to the closed fix should satisfy the deliverables too and reach full reward."
        candidate r3-code-handoff "code handoff" all "The fix with its note but the item left open should score just below the full candidate."
        ;;
    *)
        echo "  nothing left to try"
        ;;
esac

printf '[%s]\n' "$listed" >"$meta/pending_eval.json.tmp"
mv "$meta/pending_eval.json.tmp" "$meta/pending_eval.json"
echo "propose.sh: listed [$listed]"
