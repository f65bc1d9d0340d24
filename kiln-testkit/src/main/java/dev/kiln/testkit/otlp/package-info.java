/**
 * A loopback OTLP traces receiver (HTTP protobuf, HTTP JSON, gRPC) for tests of the daemon's
 * OpenTelemetry export.
 */
package dev.kiln.testkit.otlp;
