package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Print("data: ")
	reader := bufio.NewReader(os.Stdin)
	line, _ := reader.ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	sum := sha256.Sum256([]byte(line))
	fmt.Printf("SHA256: %x\n", sum)
}
