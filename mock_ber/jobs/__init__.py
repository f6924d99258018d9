"""BER's background work, run by the mock clock's scheduler: the grade import from Ping Pong
(:mod:`.grade_import`) and the webhook deliveries to subscribers (:mod:`.webhooks`)."""
