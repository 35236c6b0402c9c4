//! The Raspberry Pi's GPIO through rppal (the kernel's GPIO character device). On other
//! machines `Gpio::new()` fails ("unknown model"); the kiosk then uses simulated pins.

use std::collections::HashMap;

use rppal::gpio::{Gpio, InputPin, OutputPin, Trigger};

use super::{EdgeCallback, Pin, Pins};

pub struct PiPins {
    gpio: Gpio,
    outputs: HashMap<Pin, OutputPin>,
    /// Kept alive: dropping an input pin stops its interrupt.
    inputs: Vec<InputPin>,
}

impl PiPins {
    pub fn open() -> Result<PiPins, String> {
        let gpio =
            Gpio::new().map_err(|e| format!("GPIO is not available here ({e}); using simulated pins"))?;
        Ok(PiPins { gpio, outputs: HashMap::new(), inputs: Vec::new() })
    }
}

impl Pins for PiPins {
    fn set(&mut self, pin: Pin, high: bool) -> Result<(), String> {
        if !self.outputs.contains_key(&pin) {
            let out = self.gpio.get(pin).map_err(|e| format!("GPIO {pin}: {e}"))?.into_output_low();
            self.outputs.insert(pin, out);
        }
        let out = self.outputs.get_mut(&pin).expect("inserted above");
        if high {
            out.set_high()
        } else {
            out.set_low()
        }
        Ok(())
    }

    fn watch(&mut self, pin: Pin, mut on_edge: EdgeCallback) -> Result<(), String> {
        let mut input = self.gpio.get(pin).map_err(|e| format!("GPIO {pin}: {e}"))?.into_input_pullup();
        input
            .set_async_interrupt(Trigger::Both, None, move |event| {
                on_edge(event.trigger == Trigger::RisingEdge, event.timestamp);
            })
            .map_err(|e| format!("GPIO {pin} interrupt: {e}"))?;
        self.inputs.push(input);
        Ok(())
    }
}
