module github.com/fieldwall/fieldwall

go 1.26.8

require (
	github.com/bytedance/sonic v1.15.5
	github.com/cloudflare/ahocorasick v0.0.0-20240916140611-054963ec9396
	github.com/corazawaf/libinjection-go v0.3.6
)

require (
	github.com/bytedance/gopkg v0.1.3 // indirect
	github.com/bytedance/sonic/loader v0.5.3 // indirect
	github.com/cloudwego/base64x v0.1.6 // indirect
	github.com/klauspost/cpuid/v2 v2.2.9 // indirect
	github.com/twitchyliquid64/golang-asm v0.15.1 // indirect
	golang.org/x/arch v0.0.0-20210923205945-b76863e36670 // indirect
	golang.org/x/sys v0.22.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
