#!/usr/bin/env bash
# Builds and runs Keel's libFuzzer targets (KeelLog and KeelEngine). Works from any directory.
#
#   bash Fuzz/run.sh replay [TARGET...]          replay Corpus/<Target> and FailCases/<Target>; non-zero on any crash
#   bash Fuzz/run.sh fuzz [SECONDS] [TARGET...]  fuzz each target for SECONDS (default 30); crashes go to FailCases/<Target>
#   bash Fuzz/run.sh ci [SECONDS]                CI: build every target and fuzz each for SECONDS (default 15); non-zero on any crash
#   bash Fuzz/run.sh seeds                       regenerate Corpus/ (FuzzSeeds, and FuzzReplay --write-seeds)
#   bash Fuzz/run.sh expand INPUT OUTPUT         write the data file a FuzzRecovery input stands for
#   bash Fuzz/run.sh build [TARGET...]           only build
#
# Environment: FUZZ_CONFIGURATION=release|debug (default release; debug keeps the standard library's
# debug bounds checks on unsafe buffers, at a fraction of the speed). FUZZ_KEEP_GOING=1 makes `fuzz`
# run libFuzzer in fork mode and carry on after a crash, so one known bug does not hide the next.
set -euo pipefail

# Swift's own crash handler would catch a trap before libFuzzer does, and its memory reader then
# trips the address sanitizer, which hides the real stack. Let libFuzzer report traps.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all_targets=(FuzzBlock FuzzSuperblock FuzzIndex FuzzRecovery FuzzEvents FuzzVisibilityQuery FuzzEngineInputs FuzzCommands FuzzReplay FuzzHistoryJSON)
configuration="${FUZZ_CONFIGURATION:-release}"
build_path="$fuzz_dir/.build/fuzz"
seeds_build_path="$fuzz_dir/.build/seeds"
scratch_corpus="$fuzz_dir/.build/corpus"
logs="$fuzz_dir/.build/logs"

# Longest input libFuzzer generates for each target (the recovery encoding holds 4 slot windows).
max_len() {
    case "$1" in
        FuzzBlock) echo 8192 ;;
        FuzzSuperblock) echo 4200 ;;
        FuzzIndex) echo 8192 ;;
        FuzzRecovery) echo 33025 ;;
        FuzzEvents) echo 16384 ;;
        FuzzVisibilityQuery) echo 1024 ;;
        FuzzEngineInputs) echo 16384 ;;
        FuzzCommands) echo 4096 ;;
        FuzzReplay) echo 8192 ;;
        FuzzHistoryJSON) echo 16384 ;;
    esac
}

usage() {
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

check_targets() {
    local target known
    for target in "$@"; do
        known=0
        for name in "${all_targets[@]}"; do [[ "$target" == "$name" ]] && known=1; done
        if [[ $known -eq 0 ]]; then
            echo "unknown target '$target'; the targets are: ${all_targets[*]}" >&2
            exit 2
        fi
    done
}

# Every Swift module of the build, KeelLog and KeelEngine included, is instrumented, so the fuzzer is guided by
# Keel's coverage. One product per invocation: a plain `swift build` would also try to link
# FuzzSeeds with libFuzzer.
build_targets() {
    local flags=(-c "$configuration" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
    local toolchain
    toolchain="$(dirname "$(readlink -f "$(command -v swift)")")"
    if [[ -x "$toolchain/ld.lld" ]] || command -v ld.lld >/dev/null 2>&1; then
        # lld links the sanitized binaries without gold's spurious ASan symbol warning.
        flags+=(-Xswiftc -use-ld=lld)
    fi
    local start=$SECONDS target
    for target in "$@"; do
        echo "building $target ($configuration)"
        swift_build "$logs/build-$target.log" --scratch-path "$build_path" "${flags[@]}" --product "$target"
    done
    echo "build took $((SECONDS - start)) s"
}

# Runs `swift build` on the fuzz package with the given arguments, showing only what is not progress;
# exits when the build fails.
swift_build() {
    local log="$1" status=0
    shift
    swift build --package-path "$fuzz_dir" "$@" >"$log" 2>&1 || status=$?
    grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking)' "$log" || true
    if [[ $status -ne 0 ]]; then
        echo "swift build $* failed (exit $status); log: $log" >&2
        exit 1
    fi
}

binary() {
    echo "$build_path/$configuration/$1"
}

# The files of a directory that are fuzz inputs (not the README that keeps a folder in git).
inputs_in() {
    local directory="$1"
    [[ -d "$directory" ]] || return 0
    find "$directory" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' | sort
}

# Prints the heart of the first report in a log: the error line, the failed check, the first frames
# in Keel's sources (the sanitizer's and libFuzzer's own frames are left out) and the summary.
stack_summary() {
    {
        grep -m 1 -E '^==[0-9]+== ?ERROR' "$1" || true
        grep -m 2 -E 'Fatal error|Precondition failed|Swift runtime failure' "$1" || true
        grep -E '^ +#[0-9]+ .*/Sources/' "$1" | head -n 8 || true
        grep -m 1 -E '^SUMMARY' "$1" || true
    } | cut -c1-240 | sed 's/^ */    /'
}

replay() {
    local targets=("$@") failures=0 target
    for target in "${targets[@]}"; do
        local corpus=() fail_cases=() crashed=()
        mapfile -t corpus < <(inputs_in "$fuzz_dir/Corpus/$target")
        mapfile -t fail_cases < <(inputs_in "$fuzz_dir/FailCases/$target")
        local all=("${corpus[@]}" "${fail_cases[@]}")
        local log="$logs/$target-replay.log"
        if [[ ${#all[@]} -gt 0 ]] && ! "$(binary "$target")" -rss_limit_mb=4096 -timeout=60 "${all[@]}" >"$log" 2>&1; then
            # Replay one input at a time to name every input that fails, not only the first.
            local input
            for input in "${all[@]}"; do
                if ! "$(binary "$target")" -rss_limit_mb=4096 -timeout=60 "$input" >"$log.one" 2>&1; then
                    crashed+=("$input")
                    echo "$target: CRASH on ${input#"$fuzz_dir"/}"
                    stack_summary "$log.one"
                    cat "$log.one" >>"$log"
                fi
            done
            rm -f "$log.one"
            if [[ ${#crashed[@]} -eq 0 ]]; then
                crashed+=("(the batch run failed; see $log)")
                echo "$target: the batch replay failed but no single input does; see $log"
            fi
        fi
        if [[ ${#crashed[@]} -eq 0 ]]; then
            echo "$target: replayed ${#corpus[@]} corpus inputs and ${#fail_cases[@]} fail cases: ok"
        else
            echo "$target: replayed ${#corpus[@]} corpus inputs and ${#fail_cases[@]} fail cases: ${#crashed[@]} CRASHED (log: ${log#"$fuzz_dir"/})"
            failures=$((failures + 1))
        fi
    done
    return $((failures > 0 ? 1 : 0))
}

fuzz() {
    local seconds="$1"
    shift
    local targets=("$@") failures=0 target
    for target in "${targets[@]}"; do
        local scratch="$scratch_corpus/$target" artifacts="$fuzz_dir/FailCases/$target"
        local log="$logs/$target-fuzz.log" marker="$logs/$target-fuzz.start"
        mkdir -p "$scratch" "$artifacts"
        touch "$marker"
        local status=0 mode=()
        if [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]]; then
            mode=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
        fi
        local dictionary=()
        if [[ -f "$fuzz_dir/Dictionaries/$target.dict" ]]; then
            dictionary=(-dict="$fuzz_dir/Dictionaries/$target.dict")
        fi
        # New inputs go to the scratch corpus (the first directory); the committed corpus is only read.
        "$(binary "$target")" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=25 \
            -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" "${mode[@]}" "${dictionary[@]}" \
            "$scratch" "$fuzz_dir/Corpus/$target" >"$log" 2>&1 || status=$?
        local runs rate added
        runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
        rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
        added="$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)"
        if [[ ${#mode[@]} -gt 0 ]]; then
            # Fork mode reports progress lines instead of final statistics.
            local last
            last="$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1)"
            runs="$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")"
            rate="$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$last")"
            added="$(sed -nE 's/.* corp: ([0-9]+).*/\1 (corpus size)/p' <<<"$last")"
            if [[ -n "$(find "$artifacts" -maxdepth 1 -type f -newer "$marker")" ]]; then status=1; fi
        fi
        if [[ $status -eq 0 ]]; then
            echo "$target: ${seconds} s, ${runs:-?} runs, ${rate:-?} exec/s, ${added:-?} new inputs, no crash"
        else
            local found
            found="$(find "$artifacts" -maxdepth 1 -type f -newer "$marker" | sort | tr '\n' ' ')"
            echo "$target: CRASH (exit $status) after ${runs:-?} runs at ${rate:-?} exec/s; saved: ${found:-none} (log: ${log#"$fuzz_dir"/})"
            stack_summary "$log"
            failures=$((failures + 1))
        fi
        rm -f "$marker"
    done
    return $((failures > 0 ? 1 : 0))
}

build_seeds() {
    echo "building FuzzSeeds"
    swift_build "$logs/build-FuzzSeeds.log" --scratch-path "$seeds_build_path" -c release --product FuzzSeeds
}

command="${1:-}"
[[ -n "$command" ]] || usage
shift
mkdir -p "$logs"
case "$command" in
    replay)
        targets=("$@")
        [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
        check_targets "${targets[@]}"
        build_targets "${targets[@]}"
        replay "${targets[@]}"
        ;;
    fuzz)
        seconds=30
        if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
            seconds="$1"
            shift
        fi
        targets=("$@")
        [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
        check_targets "${targets[@]}"
        build_targets "${targets[@]}"
        fuzz "$seconds" "${targets[@]}"
        ;;
    ci)
        # A bounded run of every target for CI, after `replay` (which it repeats only in building): the
        # same builds, so only the fuzzing adds time. A crash fails the run and leaves its input in
        # FailCases/<Target>/, named in the output, to be fixed and committed as a regression input.
        seconds=15
        if [[ $# -gt 0 ]]; then
            [[ $# -eq 1 && "$1" =~ ^[0-9]+$ ]] || usage
            seconds="$1"
        fi
        start=$SECONDS
        build_targets "${all_targets[@]}"
        status=0
        fuzz "$seconds" "${all_targets[@]}" || status=$?
        echo "ci: fuzzed ${#all_targets[@]} targets for $seconds s each in $((SECONDS - start)) s, build included"
        exit "$status"
        ;;
    seeds)
        build_seeds
        "$seeds_build_path/release/FuzzSeeds" "$fuzz_dir/Corpus"
        # The SDK targets' seeds are real histories recorded by the replay target's own workflows, so the
        # fuzz binary writes them (with the fuzzer's flags, like every build of it).
        build_targets FuzzReplay
        "$(binary FuzzReplay)" --write-seeds "$fuzz_dir/Corpus"
        ;;
    expand)
        [[ $# -eq 2 ]] || usage
        # Resolve the paths before building, which does not change directory but may take a while.
        input="$(readlink -f "$1")"
        output="$(readlink -f "$2")"
        build_seeds >/dev/null
        "$seeds_build_path/release/FuzzSeeds" expand "$input" "$output"
        ;;
    build)
        targets=("$@")
        [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
        check_targets "${targets[@]}"
        build_targets "${targets[@]}"
        ;;
    *)
        usage
        ;;
esac
