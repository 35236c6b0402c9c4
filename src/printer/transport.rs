//! How bytes reach a printer: a USB device file, a TCP socket (port 9100), a serial port,
//! raw USB, or the virtual printer. Each can send a job and, where the link can read,
//! ask `DLE EOT` for the printer's status.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::status::{self, DLE_EOT, PrinterStatus};
use super::virtual_printer::VirtualPrinter;

pub trait Transport: Send {
    fn describe(&self) -> String;
    /// Sends one whole job.
    fn send(&mut self, label: &str, bytes: &[u8]) -> io::Result<()>;
    /// The printer's one-byte answer to `DLE EOT n`: `None` when it did not answer in
    /// time or this link cannot read.
    fn query(&mut self, n: u8) -> Option<u8>;
}

/// Asks all three status questions; any missing answer makes it `Unknown`.
pub fn status(t: &mut dyn Transport) -> PrinterStatus {
    let printer = t.query(status::PRINTER);
    if printer.is_none() {
        return PrinterStatus::Unknown;
    }
    status::interpret(printer, t.query(status::OFFLINE_CAUSE), t.query(status::PAPER_SENSOR))
}

/// Where the printer is, from the config's `transport` string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Virtual,
    /// `usb:/dev/usb/lp0` (the kernel's usblp device; status if the printer answers).
    Device(PathBuf),
    /// `tcp:192.168.1.50:9100`
    Tcp(String),
    /// `serial:/dev/ttyUSB0:9600` (cargo feature `serial`).
    Serial {
        path: String,
        baud: u32,
    },
    /// `usb-id:0416:5011` — vendor and product id, raw USB (cargo feature `usb`).
    UsbId {
        vendor: u16,
        product: u16,
    },
}

impl Target {
    pub fn parse(raw: &str) -> Result<Target, String> {
        let raw = raw.trim();
        let bad = || {
            format!(
                "printer transport {raw:?} is not valid: use virtual, usb:/dev/usb/lp0, tcp:HOST:9100, serial:/dev/ttyUSB0:9600 or usb-id:VID:PID (hex)"
            )
        };
        if raw == "virtual" {
            return Ok(Target::Virtual);
        }
        let (kind, rest) = raw.split_once(':').ok_or_else(bad)?;
        match kind {
            "usb" if rest.starts_with('/') => Ok(Target::Device(PathBuf::from(rest))),
            "tcp" => {
                let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
                if host.is_empty() || port.parse::<u16>().is_err() {
                    return Err(bad());
                }
                Ok(Target::Tcp(rest.to_string()))
            }
            "serial" => {
                let (path, baud) = rest.rsplit_once(':').ok_or_else(bad)?;
                let baud = baud.parse().map_err(|_| bad())?;
                Ok(Target::Serial { path: path.to_string(), baud })
            }
            "usb-id" => {
                let (v, p) = rest.split_once(':').ok_or_else(bad)?;
                let hex = |s: &str| u16::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| bad());
                Ok(Target::UsbId { vendor: hex(v)?, product: hex(p)? })
            }
            _ => Err(bad()),
        }
    }
}

pub struct VirtualTransport(pub Arc<VirtualPrinter>);

impl Transport for VirtualTransport {
    fn describe(&self) -> String {
        format!("virtual printer in {}", self.0.dir().display())
    }
    fn send(&mut self, label: &str, bytes: &[u8]) -> io::Result<()> {
        self.0.receive(label, bytes).map(|_| ())
    }
    fn query(&mut self, n: u8) -> Option<u8> {
        self.0.query(n)
    }
}

/// `/dev/usb/lp0`: the kernel's USB printer class driver. Reads are non-blocking and
/// polled briefly, because a printer that never answers must not hang the queue.
pub struct DeviceTransport {
    pub path: PathBuf,
}

impl DeviceTransport {
    fn open(&self) -> io::Result<std::fs::File> {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK (the same value on x86-64 and arm64 Linux).
        const O_NONBLOCK: i32 = 0o4000;
        std::fs::OpenOptions::new().read(true).write(true).custom_flags(O_NONBLOCK).open(&self.path)
    }
}

fn read_one_within(reader: &mut impl Read, limit: Duration) -> Option<u8> {
    let start = Instant::now();
    let mut buf = [0u8; 1];
    while start.elapsed() < limit {
        match reader.read(&mut buf) {
            Ok(1) => return Some(buf[0]),
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(_) => return None,
        }
    }
    None
}

impl Transport for DeviceTransport {
    fn describe(&self) -> String {
        format!("USB printer {}", self.path.display())
    }
    fn send(&mut self, _label: &str, bytes: &[u8]) -> io::Result<()> {
        let mut file = self.open()?;
        let mut written = 0;
        let start = Instant::now();
        while written < bytes.len() {
            match file.write(&bytes[written..]) {
                Ok(n) => written += n,
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock && start.elapsed() < Duration::from_secs(30) =>
                {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => return Err(e),
            }
        }
        file.flush()
    }
    fn query(&mut self, n: u8) -> Option<u8> {
        let mut file = self.open().ok()?;
        file.write_all(&[DLE_EOT[0], DLE_EOT[1], n]).ok()?;
        read_one_within(&mut file, Duration::from_millis(500))
    }
}

/// A network printer (raw TCP, usually port 9100).
pub struct TcpTransport {
    pub address: String,
}

impl TcpTransport {
    fn connect(&self) -> io::Result<TcpStream> {
        let addr = self.address.to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{} does not resolve", self.address))
        })?;
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        stream.set_read_timeout(Some(Duration::from_millis(500)))?;
        Ok(stream)
    }
}

impl Transport for TcpTransport {
    fn describe(&self) -> String {
        format!("network printer {}", self.address)
    }
    fn send(&mut self, _label: &str, bytes: &[u8]) -> io::Result<()> {
        let mut stream = self.connect()?;
        stream.write_all(bytes)?;
        stream.flush()
    }
    fn query(&mut self, n: u8) -> Option<u8> {
        let mut stream = self.connect().ok()?;
        stream.write_all(&[DLE_EOT[0], DLE_EOT[1], n]).ok()?;
        let mut buf = [0u8; 1];
        match stream.read(&mut buf) {
            Ok(1) => Some(buf[0]),
            _ => None,
        }
    }
}

/// Serial and raw-USB printers through the escpos crate's drivers.
#[cfg(any(feature = "serial", feature = "usb"))]
pub struct DriverTransport<D: escpos::driver::Driver + Send> {
    pub driver: D,
}

#[cfg(any(feature = "serial", feature = "usb"))]
impl<D: escpos::driver::Driver + Send> Transport for DriverTransport<D> {
    fn describe(&self) -> String {
        self.driver.name()
    }
    fn send(&mut self, _label: &str, bytes: &[u8]) -> io::Result<()> {
        self.driver.write(bytes).map_err(io::Error::other)?;
        self.driver.flush().map_err(io::Error::other)
    }
    fn query(&mut self, n: u8) -> Option<u8> {
        self.driver.write(&[DLE_EOT[0], DLE_EOT[1], n]).ok()?;
        self.driver.flush().ok()?;
        let mut buf = [0u8; 1];
        match self.driver.read(&mut buf) {
            Ok(1) => Some(buf[0]),
            _ => None,
        }
    }
}

/// Opens the transport for `target`; the virtual printer is passed in so the kiosk, the
/// CLI and tests share one.
pub fn open(
    target: &Target,
    virtual_printer: Option<Arc<VirtualPrinter>>,
) -> Result<Box<dyn Transport>, String> {
    match target {
        Target::Virtual => virtual_printer
            .map(|v| Box::new(VirtualTransport(v)) as Box<dyn Transport>)
            .ok_or_else(|| "no virtual printer was set up".to_string()),
        Target::Device(path) => Ok(Box::new(DeviceTransport { path: path.clone() })),
        Target::Tcp(address) => Ok(Box::new(TcpTransport { address: address.clone() })),
        #[cfg(feature = "serial")]
        Target::Serial { path, baud } => {
            let driver =
                escpos::driver::SerialPortDriver::open(path, *baud, Some(Duration::from_millis(500)))
                    .map_err(|e| format!("cannot open serial printer {path}: {e}"))?;
            Ok(Box::new(DriverTransport { driver }))
        }
        #[cfg(feature = "usb")]
        Target::UsbId { vendor, product } => {
            let driver = escpos::driver::NativeUsbDriver::open(*vendor, *product)
                .map_err(|e| format!("cannot open USB printer {vendor:04x}:{product:04x}: {e}"))?;
            Ok(Box::new(DriverTransport { driver }))
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "{other:?} needs lobbydesk built with the matching cargo feature (serial or usb); see README"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_parse_from_config_strings() {
        assert_eq!(Target::parse("virtual").unwrap(), Target::Virtual);
        assert_eq!(Target::parse("usb:/dev/usb/lp0").unwrap(), Target::Device("/dev/usb/lp0".into()));
        assert_eq!(Target::parse("tcp:192.168.1.50:9100").unwrap(), Target::Tcp("192.168.1.50:9100".into()));
        assert_eq!(
            Target::parse("serial:/dev/ttyUSB0:9600").unwrap(),
            Target::Serial { path: "/dev/ttyUSB0".into(), baud: 9600 }
        );
        assert_eq!(
            Target::parse("usb-id:0416:5011").unwrap(),
            Target::UsbId { vendor: 0x0416, product: 0x5011 }
        );
        for bad in ["", "usb", "tcp:host", "tcp::9100", "serial:/dev/ttyUSB0", "usb-id:zz:1", "lpt:1"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    /// A network printer that never answers status must read as unknown, quickly.
    #[test]
    fn a_silent_network_printer_is_unknown_not_ready() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let mut kept = Vec::new();
            for stream in listener.incoming().take(1) {
                kept.push(stream.unwrap());
            }
            std::thread::sleep(Duration::from_millis(800));
        });
        let mut t = TcpTransport { address };
        let started = Instant::now();
        assert_eq!(status(&mut t), PrinterStatus::Unknown);
        assert!(started.elapsed() < Duration::from_secs(3));
        server.join().unwrap();
    }

    /// A network printer that answers like an Epson with no paper.
    #[test]
    fn a_network_printer_reports_paper_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            for stream in listener.incoming().take(3) {
                let mut stream = stream.unwrap();
                let mut req = [0u8; 3];
                stream.read_exact(&mut req).unwrap();
                let reply = status::replies_for(PrinterStatus::PaperOut);
                let index = match req[2] {
                    1 => 0,
                    2 => 1,
                    _ => 2,
                };
                stream.write_all(&[reply[index]]).unwrap();
            }
        });
        let mut t = TcpTransport { address };
        assert_eq!(status(&mut t), PrinterStatus::PaperOut);
        server.join().unwrap();
    }
}
