import { type Logger, pino } from "pino";

// JSON lines on stdout. Anything that looks like a secret is censored even if someone logs it
// by mistake.
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "portico" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "*.password",
        "token",
        "*.token",
        "headers.cookie",
        "*.headers.cookie",
        "headers.authorization",
        "*.headers.authorization",
        "body",
        "*.body",
      ],
      censor: "[redacted]",
    },
  });
}
