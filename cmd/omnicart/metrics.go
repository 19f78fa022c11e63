package main

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"omnicart/bot"
	"omnicart/bot/telegram"
	"omnicart/flows"
	"omnicart/outbox"
	"omnicart/store"
)

// metrics are the shop's Prometheus metrics, on a registry of their own.
type metrics struct {
	reg     *prometheus.Registry
	message prometheus.Histogram
	send    *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		message: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "omnicart_message_handling_seconds",
			Help:    "Time the engine took to handle one message: load, flows, save, hand the replies to the channel.",
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 15), // 0.25 ms .. 4 s
		}),
		send: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "omnicart_send_seconds",
			Help: "Time one send to a channel took. call=send returns when the channel has taken the replies " +
				"(Telegram and WhatsApp queue them), call=deliver when the platform accepted them.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 13), // 0.5 ms .. 30 s
		}, []string{"channel", "call"}),
	}
	m.reg.MustRegister(m.message, m.send,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "omnicart_heap_bytes", Help: "Go heap in use."}, func() float64 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return float64(ms.HeapInuse)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "omnicart_goroutines", Help: "Goroutines."}, func() float64 {
			return float64(runtime.NumGoroutine())
		}),
	)
	return m
}

// observeMessage is the engine's Options.Observe.
func (m *metrics) observeMessage(d time.Duration) { m.message.Observe(d.Seconds()) }

// register adds the counters of the engine, the store and, when they are
// not nil, the outbox and Telegram.
func (m *metrics) register(eng *flows.Engine, db *store.DB, ob *outbox.Sender, tg *telegram.Telegram) {
	m.reg.MustRegister(&shopCollector{eng: eng, db: db, ob: ob, tg: tg})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// timed returns s with the time of each Send and Deliver observed under
// channel. The result is a bot.Deliverer: Deliver uses s's Deliver when it
// has one, else Send, like bot.Senders.Deliver.
func (m *metrics) timed(channel string, s bot.Sender) bot.Sender {
	return &timedSender{s: s, send: m.send.WithLabelValues(channel, "send"), deliver: m.send.WithLabelValues(channel, "deliver")}
}

type timedSender struct {
	s             bot.Sender
	send, deliver prometheus.Observer
}

func (t *timedSender) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	start := time.Now()
	err := t.s.Send(ctx, to, replies)
	t.send.Observe(time.Since(start).Seconds())
	return err
}

func (t *timedSender) Deliver(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	start := time.Now()
	var err error
	if d, ok := t.s.(bot.Deliverer); ok {
		err = d.Deliver(ctx, to, replies)
	} else {
		err = t.s.Send(ctx, to, replies)
	}
	t.deliver.Observe(time.Since(start).Seconds())
	return err
}

// Queue queues through s's Queue when it has one (bot.Queuer), observing
// the time until the delivery is done; else it delivers now.
func (t *timedSender) Queue(ctx context.Context, to bot.Address, replies []bot.Reply) (func(context.Context) error, error) {
	q, ok := t.s.(bot.Queuer)
	if !ok {
		return bot.Finished(t.Deliver(ctx, to, replies)), nil
	}
	start := time.Now()
	wait, err := q.Queue(ctx, to, replies)
	if err != nil {
		t.deliver.Observe(time.Since(start).Seconds())
		return nil, err
	}
	return func(ctx context.Context) error {
		err := wait(ctx)
		t.deliver.Observe(time.Since(start).Seconds())
		return err
	}, nil
}

// shopCollector reads the engine's, the store's, the outbox's and
// Telegram's counters at each scrape.
type shopCollector struct {
	eng *flows.Engine
	db  *store.DB
	ob  *outbox.Sender     // nil: no outbox (the terminal chat)
	tg  *telegram.Telegram // nil: Telegram is off
}

func desc(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }

var (
	descMessages   = desc("omnicart_messages_total", "Messages handled by the engine.")
	descDuplicates = desc("omnicart_messages_duplicate_total", "Duplicate updates dropped.")
	descDropped    = desc("omnicart_messages_dropped_total", "Messages dropped (queue full or shutting down).")
	descErrors     = desc("omnicart_errors_total", "Failed actions and sends.")
	descSeconds    = desc("omnicart_message_seconds_total", "Time spent handling messages.")
	descCustomers  = desc("omnicart_customers", "Customers in the store.")
	descOrders     = desc("omnicart_orders", "Orders in the store.")
	descObDepth    = desc("omnicart_outbox_depth", "Notices waiting in the outbox.")
	descObAge      = desc("omnicart_outbox_oldest_age_seconds", "Age of the oldest notice waiting in the outbox; 0 when it is empty.")
	descObSent     = desc("omnicart_outbox_sent_total", "Notices the outbox delivered.")
	descObFailed   = desc("omnicart_outbox_failed_total", "Notices the outbox gave up (no chat of the customer takes them).")
	descObRetried  = desc("omnicart_outbox_retried_total", "Outbox deliveries to be tried again later.")
	descTgSent     = desc("omnicart_telegram_sent_total", "Telegram calls that succeeded.")
	descTgRetried  = desc("omnicart_telegram_retried_total", "Telegram calls retried (429 or network).")
	descTgFailed   = desc("omnicart_telegram_failed_total", "Telegram calls given up.")
	descTgBlocked  = desc("omnicart_telegram_blocked_total", "Sends refused because the customer blocked the bot.")
)

func (c *shopCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMessages, descDuplicates, descDropped, descErrors, descSeconds,
		descCustomers, descOrders, descObDepth, descObAge, descObSent, descObFailed, descObRetried, descTgSent, descTgRetried, descTgFailed, descTgBlocked} {
		ch <- d
	}
}

func (c *shopCollector) Collect(ch chan<- prometheus.Metric) {
	metric := func(d *prometheus.Desc, t prometheus.ValueType, v float64) {
		ch <- prometheus.MustNewConstMetric(d, t, v)
	}
	counter := func(d *prometheus.Desc, v int64) { metric(d, prometheus.CounterValue, float64(v)) }
	st := c.eng.Stats()
	counter(descMessages, st.Messages.Load())
	counter(descDuplicates, st.Duplicates.Load())
	counter(descDropped, st.Dropped.Load())
	counter(descErrors, st.Errors.Load())
	metric(descSeconds, prometheus.CounterValue, time.Duration(st.Nanos.Load()).Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if customers, orders, err := c.db.Counts(ctx); err == nil {
		metric(descCustomers, prometheus.GaugeValue, float64(customers))
		metric(descOrders, prometheus.GaugeValue, float64(orders))
	}
	if c.ob != nil {
		if n, age, err := c.ob.Depth(ctx); err == nil {
			metric(descObDepth, prometheus.GaugeValue, float64(n))
			metric(descObAge, prometheus.GaugeValue, age.Seconds())
		}
		st := c.ob.Stats()
		counter(descObSent, st.Sent)
		counter(descObFailed, st.Failed)
		counter(descObRetried, st.Retried)
	}
	if c.tg != nil {
		t := c.tg.Stats()
		counter(descTgSent, t.Sent)
		counter(descTgRetried, t.Retried)
		counter(descTgFailed, t.Failed)
		counter(descTgBlocked, t.Blocked)
	}
}
