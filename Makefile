# priem — common tasks. The one test command is `make test`.
.PHONY: test build release stubs bench fmt netcat demo bench-grid bench-booking bench-widget bench-all

test:
	scripts/test

build:
	cargo build

release:
	cargo build --release

stubs: build
	RUST_BACKTRACE=0 cargo php stubs --stdout target/debug/libpriem.so > php-stubs/priem.php

bench: release
	bench/parse.sh target/release/libpriem.so

fmt:
	cargo fmt

# The NetCat package: netcat-module/build/priem-netcat-<version>.tgz
netcat:
	netcat-module/build.sh

# The demo: site, MIS simulator, FTP, SMTP, cron on 127.0.0.1 (demo/run --help; DEMO_ARGS=--fresh …)
demo:
	demo/run $(DEMO_ARGS)

# The grid endpoint benchmark (issue 5): in-process and over HTTP (nginx + php-fpm 8.2 + wrk); ~4 min
bench-grid: release
	bench/grid.sh target/release/libpriem.so

# A visitor's booking over nginx + php-fpm with an MIS answering at once, 20 visitors (issue 16); ~2 min
bench-booking: release
	bench/booking.sh target/release/libpriem.so

# The booking widget on the demo (issue 13): weight, first times, requests between days, axe; ~2 min
bench-widget: build
	bench/widget.sh

# Every figure of issue 16 (import, the visitor's endpoint, booking) beside its target, one run; ~10 min
bench-all: release
	bench/all.sh target/release/libpriem.so
