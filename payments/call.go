package payments

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// CallJSON sends a provider's API request and decodes the JSON of a 200
// answer into out. Another status is the provider's error, apiErr(status,
// body), wrapped in ErrNotFound for a 404. what names the call in errors
// ("stripe POST /v1/refunds").
func CallJSON(client *http.Client, req *http.Request, what string, out any, apiErr func(status int, body []byte) error) error {
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := apiErr(resp.StatusCode, data)
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w: %w", ErrNotFound, e)
		}
		return e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: bad answer: %w", what, err)
	}
	return nil
}
