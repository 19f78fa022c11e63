package flows

// CourierPhone exports courierPhone to the package's external tests.
var CourierPhone = courierPhone
