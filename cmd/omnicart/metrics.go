package main

import (
	"fmt"
	"net/http"
	"runtime"

	"omnicart/bot/telegram"
	"omnicart/flows"
	"omnicart/store"
)

// metricsHandler serves the counters in the Prometheus text format; tg
// gives the Telegram channel's, nil when Telegram is off.
func metricsHandler(eng *flows.Engine, db *store.DB, tg func() telegram.Stats) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		st := eng.Stats()
		metric := func(name, typ, help string, v any) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
		}
		metric("omnicart_messages_total", "counter", "Messages handled by the engine.", st.Messages.Load())
		metric("omnicart_messages_duplicate_total", "counter", "Duplicate updates dropped.", st.Duplicates.Load())
		metric("omnicart_messages_dropped_total", "counter", "Messages dropped (queue full or shutting down).", st.Dropped.Load())
		metric("omnicart_errors_total", "counter", "Failed actions and sends.", st.Errors.Load())
		metric("omnicart_message_seconds_total", "counter", "Time spent handling messages.", float64(st.Nanos.Load())/1e9)
		customers, orders, err := db.Counts(r.Context())
		if err == nil {
			metric("omnicart_customers", "gauge", "Customers in the store.", customers)
			metric("omnicart_orders", "gauge", "Orders in the store.", orders)
		}
		if tg != nil {
			t := tg()
			metric("omnicart_telegram_sent_total", "counter", "Telegram calls that succeeded.", t.Sent)
			metric("omnicart_telegram_retried_total", "counter", "Telegram calls retried (429 or network).", t.Retried)
			metric("omnicart_telegram_failed_total", "counter", "Telegram calls given up.", t.Failed)
			metric("omnicart_telegram_blocked_total", "counter", "Sends refused because the customer blocked the bot.", t.Blocked)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		metric("omnicart_heap_bytes", "gauge", "Go heap in use.", ms.HeapInuse)
		metric("omnicart_goroutines", "gauge", "Goroutines.", runtime.NumGoroutine())
	})
}
