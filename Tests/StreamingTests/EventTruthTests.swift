import Match
import Streaming
import Testing
import Wire

@Suite("The impairment relay's record of deliveries (Spec §6 on the wire order)")
struct EventTruthTests {
    private func delivery(_ sequence: UInt32, repair: Bool = false) -> EventTruth.Delivery {
        EventTruth.Delivery(sequence: sequence, retransmission: repair)
    }

    @Test("an original delivered after its retransmission is a duplicate: lost and repaired, not received")
    func lateOriginalAfterRepair() {
        var truth = EventTruth()
        truth.sent = [0, 1, 2, 3]
        truth.deliveries = [delivery(0), delivery(2), delivery(1, repair: true), delivery(1), delivery(3), delivery(3)]
        #expect(truth.received == 3)
        #expect(truth.lost == 1 && truth.repaired == 1)
        #expect(truth.duplicates == 2)  // 1's late original and 3's copy
        #expect(truth.outOfOrder == 0)  // 1 was never received first time
        #expect(truth.delivered == [0, 2, 1, 3, 3] && truth.redelivered == [1])
        #expect(truth.neverDelivered == 0)
    }

    @Test("an original delivered before its retransmission is received (late, out of order); the retransmission repairs nothing")
    func lateOriginalBeforeRepair() {
        var truth = EventTruth()
        truth.sent = [0, 1, 2]
        truth.deliveries = [delivery(0), delivery(2), delivery(1), delivery(1, repair: true)]
        #expect(truth.received == 3 && truth.lost == 0 && truth.repaired == 0)
        #expect(truth.duplicates == 0 && truth.outOfOrder == 1)
    }

    @Test("seeded delivery orders with losses, copies, reordering and repairs: the record's figures equal a receiver's statistics")
    func agreesWithReceiver() {
        var generator = SeededGenerator(seed: 28)
        for _ in 0..<500 {
            let count = 2 + Int(generator.nextUnit() * 40)
            let sent = (0..<UInt32(count)).map { $0 }
            // The first and last always arrive, so that a receiver's expected range is the sent one.
            var deliveries: [EventTruth.Delivery] = []
            for sequence in sent {
                let edge = sequence == 0 || Int(sequence) == sent.count - 1
                if edge || generator.nextUnit() > 0.3 { deliveries.append(delivery(sequence)) }
                if generator.nextUnit() < 0.2 { deliveries.append(delivery(sequence)) }
                if generator.nextUnit() < 0.3 { deliveries.append(delivery(sequence, repair: true)) }
            }
            // Swap neighbours now and then (jitter), keeping the first delivery first.
            for index in 1..<max(1, deliveries.count - 1) where generator.nextUnit() < 0.25 {
                deliveries.swapAt(index, index + 1)
            }
            var truth = EventTruth()
            truth.sent = sent
            truth.deliveries = deliveries
            var statistics = ReceptionStatistics()
            statistics.expectFirst(0)
            statistics.noteLast(sent[sent.count - 1])
            for (index, item) in deliveries.enumerated() {
                if item.retransmission {
                    statistics.recordRepair(item.sequence, arrival: Double(index), noticed: nil)
                } else {
                    statistics.record(item.sequence, arrival: Double(index), interval: nil)
                }
            }
            let order = deliveries.map { "\($0.sequence)\($0.retransmission ? "r" : "")" }.joined(separator: " ")
            #expect(statistics.received == truth.received, "\(order)")
            #expect(statistics.lost == truth.lost, "\(order)")
            #expect(statistics.duplicates == truth.duplicates, "\(order)")
            #expect(statistics.outOfOrder == truth.outOfOrder, "\(order)")
            #expect(statistics.repaired == truth.repaired, "\(order)")
        }
    }
}
