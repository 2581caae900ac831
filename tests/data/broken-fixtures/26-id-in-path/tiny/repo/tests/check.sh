test "$(sh src/greet.sh bob)" = "hello bob"
