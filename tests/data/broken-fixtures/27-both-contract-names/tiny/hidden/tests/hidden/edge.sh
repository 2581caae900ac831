test "$(sh src/greet.sh)" = "hello "
